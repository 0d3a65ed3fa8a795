/**
 * Envoy SDS v3 on the agent's Workload API socket: {@link dev.signet.agent.endpoints.sds.SdsService}
 * serves {@code envoy.service.secret.v3.SecretDiscoveryService} (StreamSecrets, FetchSecrets) to attested
 * callers, each getting only its own SVIDs and trust bundle as Envoy {@code Secret}s. Registered by
 * {@link dev.signet.agent.endpoints.workload.WorkloadEndpoint} next to the Workload API, sharing its
 * peer-credential capture, attestors and attestation executor.
 */
package dev.signet.agent.endpoints.sds;
