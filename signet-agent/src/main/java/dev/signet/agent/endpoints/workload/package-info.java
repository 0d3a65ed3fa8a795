/**
 * The SPIFFE Workload API endpoint of the agent: {@link dev.signet.agent.endpoints.workload.WorkloadEndpoint}
 * serves {@link dev.signet.agent.endpoints.workload.WorkloadApiService} on a Unix socket.
 *
 * <p>Order of checks for every call: (1) the {@code workload.spiffe.io: true} security header, before
 * anything else (INVALID_ARGUMENT); (2) the agent is ready (UNAVAILABLE); (3) attestation of the caller's
 * PID by all attestors, off the event loop; (4) the caller's liveness — its pidfd or start time, captured
 * at accept by {@link dev.signet.agent.peer} — proves the PID still named the caller while the attestors
 * read it (else UNAVAILABLE "workload attestation failed"); (5) the identities for the selectors, from
 * {@link dev.signet.agent.endpoints.workload.IdentitySource} (none: PERMISSION_DENIED "no identity issued").
 * Selectors are not cached per connection: every call re-attests, as in SPIRE. The unary JWT calls check
 * their request's mandatory fields right after the header (INVALID_ARGUMENT "audience must be specified" /
 * "svid must be specified"); ValidateJWTSVID needs step (4) but no identity.
 */
package dev.signet.agent.endpoints.workload;
