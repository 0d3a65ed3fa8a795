/**
 * The agent's local HTTP API on 127.0.0.1 ({@code http_port}), with Consul's shapes:
 * {@code GET /v1/agent/connect/ca/roots} from the agent's trust bundle and {@code POST /v1/agent/connect/authorize}
 * from its synced intentions — both answered locally, so they keep working while the server is unreachable.
 */
package dev.signet.agent.endpoints.http;
