/**
 * The {@code docker} workload attestor: selectors of type {@code docker} for a caller running in a Docker
 * container — {@code label:<key>:<value>} for every container label, {@code image_id:<Config.Image>} (the image
 * as the container was created from it, e.g. {@code nginx:1.25} or {@code nginx@sha256:...}) and
 * {@code env:<NAME>=<value>} for the variables named in {@code env_allow_list} only (none by default: a
 * container's environment often holds secrets, and selectors are shown in logs and entry listings).
 *
 * <p>The container ID comes from {@code /proc/<pid>/cgroup} ({@link dev.signet.agent.attestor.workload.cgroup};
 * never mountinfo, which the workload controls), read inside {@code attest()} so the caller's liveness check
 * afterwards covers it. No container ID → no selectors, not an error. Then one request to the Docker Engine API
 * on its Unix socket, {@code GET /v1.41/containers/<id>/json} (ContainerInspect), through a small HTTP/1.1 client
 * ({@link dev.signet.agent.attestor.workload.docker.UnixHttp}: JDK Unix-domain {@code SocketChannel}, one request
 * per connection, {@code Content-Length}, chunked or close-delimited bodies, a deadline and a size cap). A
 * connection failure or 5xx is tried again ({@code inspect_attempts}); 404 means the engine does not know the
 * container and fails at once. The answer's {@code Id} must be the container asked for.
 *
 * <p>Errors start with {@code docker: } and name the container. They drop only this attestor's selectors (as
 * SPIRE): the caller is still attested by the other attestors, and a missing selector can only match fewer
 * entries. Not implemented from SPIRE: Podman socket detection, {@code image_config_digest} (ImageInspect),
 * sigstore selectors, custom cgroup matchers.
 */
package dev.signet.agent.attestor.workload.docker;
