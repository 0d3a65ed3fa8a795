/**
 * A double of the Docker Engine, which can't run here: {@link dev.signet.testing.platform.docker.FakeDockerEngine}
 * listens on a real Unix socket and speaks dockerd's wire format — HTTP/1.1 as Go's net/http writes it (chunked
 * bodies, {@code Api-Version} headers), ContainerInspect JSON in the API 1.41 shape, {@code {"message": ...}} errors —
 * so the workload attestor talks to it exactly as to a real engine. Test-only: modules take this one with test scope.
 */
package dev.signet.testing.platform.docker;
