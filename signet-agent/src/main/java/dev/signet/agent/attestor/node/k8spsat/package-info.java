/**
 * The {@code k8s_psat} node attestor, agent side. The agent runs in a pod (typically a DaemonSet) with a
 * projected service-account token whose audience is the server's ({@code signet-server} by default) and sends
 * {@code {"cluster": "<name>", "token": "<jwt>"}}. The token file is read at every attestation, never cached:
 * the kubelet rotates it, and an old copy would be refused. The agent does not interpret the token; the server
 * asks the cluster's API server about it (TokenReview), so nothing here is trusted on the agent's word.
 */
package dev.signet.agent.attestor.node.k8spsat;
