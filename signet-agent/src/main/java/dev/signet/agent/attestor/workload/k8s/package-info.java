/**
 * The {@code k8s} workload attestor: which pod and container a caller runs in, and what the kubelet says about
 * them, as selectors of type {@code k8s} (SPIRE's set: {@code ns}, {@code sa}, {@code node-name}, {@code pod-uid},
 * {@code pod-name}, {@code pod-image}, {@code pod-image-count}, {@code pod-init-image},
 * {@code pod-init-image-count}, {@code pod-label:K:V}, {@code pod-owner:Kind:Name},
 * {@code pod-owner-uid:Kind:UID}, {@code container-name}, {@code container-image}).
 *
 * <p><b>Flow.</b> {@link dev.signet.agent.attestor.workload.k8s.K8sAttestor#attest} reads
 * {@code /proc/<pid>/cgroup} (inside the attestation window: the caller's liveness is checked after all
 * attestors ran) and locates the container ID and pod UID
 * ({@link dev.signet.agent.attestor.workload.cgroup}). No container → no selectors, no kubelet call. Otherwise it
 * looks for the pod (only the one with that UID, when known) whose container or init-container status has a
 * {@code containerID} ({@code containerd://<id>}, {@code cri-o://<id>}, {@code docker://<id>}) with that ID.
 *
 * <p><b>The pod list</b> comes from the kubelet's {@code GET /pods} ({@link
 * dev.signet.agent.attestor.workload.k8s.KubeletClient}: HTTPS with the service-account token or a client
 * certificate, the kubelet's certificate checked against the CA and the node name; or the read-only HTTP port).
 * {@link dev.signet.agent.attestor.workload.k8s.PodListCache} shares it between concurrent attestations: at most
 * one request in flight and one started per {@code poll_retry_interval}. A pod not listed yet (just scheduled)
 * is looked for in up to {@code max_poll_attempts} successive lists; after that the attestation fails.
 *
 * <p><b>Failures.</b> Messages start with {@code k8s: } and name the container (and pod). When the cgroup names a
 * pod the process certainly is a Kubernetes workload, so any failure to learn its pod fails the whole
 * attestation ({@link dev.signet.agent.attestor.workload.AttestationException#unavailable}: UNAVAILABLE, the
 * workload retries) instead of attesting it with the other attestors' selectors only. Without a pod UID (a
 * plain Docker container on the node, or CRI-O seen through a cgroup namespace) only this attestor's selectors
 * are dropped. Never a guess: two pods claiming one container is an error.
 */
package dev.signet.agent.attestor.workload.k8s;
