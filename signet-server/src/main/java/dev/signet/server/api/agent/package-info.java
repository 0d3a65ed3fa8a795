/**
 * The agent API (TCP + TLS): node attestation, agent SVID renewal, the pushed stream of authorized entries
 * and trust bundle ({@link dev.signet.server.api.agent.SyncHub}), and batched workload SVID signing.
 * Authentication is per call ({@link dev.signet.server.api.agent.AgentAuthenticator}) against the agent's
 * stored record, so bans and evictions take effect on the next call and close open streams.
 */
package dev.signet.server.api.agent;
