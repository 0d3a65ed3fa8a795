/**
 * Doubles of Kubernetes, which can't run here: {@link dev.signet.testing.platform.kubernetes.FakeKubernetesApi} (the API
 * server's TokenReview, Pod and Node endpoints) and {@link dev.signet.testing.platform.kubernetes.FakeKubelet} (the
 * kubelet's {@code /pods}). They stand in only for the platform: they speak its real wire formats — real TLS with
 * certificates from a CA made per instance, bearer-token authentication, the JSON shapes, status codes and error
 * bodies (a {@code v1.Status}, the kubelet's plain-text errors) of the real components — so the code under test talks
 * to them exactly as to a cluster. Test-only: modules take this one with test scope.
 */
package dev.signet.testing.platform.kubernetes;
