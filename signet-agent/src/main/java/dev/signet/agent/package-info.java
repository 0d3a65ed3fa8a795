/**
 * The Signet node agent. {@link dev.signet.agent.Agent} is the composition root. Packages:
 * {@code config} (HCL), {@code storage} (agent SVID, key and bundle on disk), {@code client} (TLS to the
 * server), {@code attestor.node} (bootstrap evidence), {@code manager} (sync, minting, rotation),
 * {@code cache} (entries and SVIDs; what each workload gets), {@code peer} (kernel peer credentials and the
 * PID-reuse defence), {@code attestor.workload} (selectors from the caller), {@code endpoints.workload}
 * (the SPIFFE Workload API on a Unix socket).
 */
package dev.signet.agent;
