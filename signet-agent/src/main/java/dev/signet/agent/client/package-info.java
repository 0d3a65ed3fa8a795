/**
 * The agent's connections to the server(s). {@link dev.signet.agent.client.ServerConnection} builds TLS channels
 * that authenticate the server by its SVID ({@code spiffe://<td>/signet/server}) against the agent's whole synced
 * bundle — every server's root — rather than by host name. {@link dev.signet.agent.client.ServerAddress} parses
 * {@code server_address} (one address, a list or a comma-separated string; {@code host} or {@code host:port}), and
 * {@link dev.signet.agent.client.ServerList} decides which server to use: a random start so agents spread, the next
 * server at once after a failure, and a signal when a full round failed so the caller backs off. The manager drives
 * it (attestation, the sync stream, rebalancing at agent-SVID rotation); see docs/multi-server.md.
 */
package dev.signet.agent.client;
