/**
 * The {@code k8s_psat} node attestor, server side: an agent running in a Kubernetes pod proves where it runs
 * with its projected service-account token (PSAT), and the cluster's own API server vouches for it.
 *
 * <p>Design. The agent sends {@code {"cluster": "<name>", "token": "<jwt>"}}. The server never verifies the
 * token's signature itself; it asks the API server of the named cluster, which is the only party that knows
 * whether the token is current (bound tokens die with their pod). Steps, each refusal naming the attestor:
 * <ol>
 *   <li>the cluster must be one of the configured {@code clusters} (else INVALID_ARGUMENT);</li>
 *   <li>{@code POST /apis/authentication.k8s.io/v1/tokenreviews} with the cluster's audiences: the token must be
 *       authenticated and {@code status.audiences} must name one of them (else PERMISSION_DENIED — an API server
 *       that echoes no audience is not audience-aware and cannot prove the token was meant for us);</li>
 *   <li>the username {@code system:serviceaccount:<ns>:<sa>} must be in {@code service_account_allow_list};</li>
 *   <li>the token must be bound to a pod ({@code authentication.kubernetes.io/pod-name} and {@code pod-uid} in
 *       {@code status.user.extra}); {@code GET /api/v1/namespaces/<ns>/pods/<name>} must return a pod with that
 *       same UID (a token of a deleted pod whose name was reused is refused);</li>
 *   <li>{@code GET /api/v1/nodes/<pod.spec.nodeName>} must return a node with a non-empty UID.</li>
 * </ol>
 * A Kubernetes API that can't be reached, times out, answers 5xx/429, refuses the server's own credentials or
 * answers something unparseable gives UNAVAILABLE: nothing was decided about the agent and it may retry.
 *
 * <p>The agent ID is {@code spiffe://<td>/signet/agent/k8s_psat/<cluster>/<node UID>} and is re-attestable (a
 * fresh token proves the node again). Selectors (type {@code k8s_psat}) are SPIRE's: {@code cluster},
 * {@code agent_ns}, {@code agent_sa}, {@code agent_pod_name}, {@code agent_pod_uid}, {@code agent_node_ip},
 * {@code agent_node_name}, {@code agent_node_uid}, and {@code agent_node_label:k:v} / {@code agent_pod_label:k:v}
 * for allow-listed label keys only (labels are set by whoever can edit the object, so they are opt-in).
 *
 * <p>{@link KubernetesApi} is a deliberately small client: the JDK {@code HttpClient}, TLS trusting only the
 * configured CA file, and a bearer token read from a file and re-read on a {@link java.time.Clock} schedule
 * ({@link BearerToken}) because Kubernetes rotates projected tokens. JSON goes through Nimbus's
 * {@code JSONObjectUtils}, already on the server's classpath.
 */
package dev.signet.server.attestation.k8spsat;
