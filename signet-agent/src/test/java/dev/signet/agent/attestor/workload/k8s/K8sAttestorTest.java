package dev.signet.agent.attestor.workload.k8s;

import static dev.signet.agent.attestor.workload.k8s.PodFixtures.pod;
import static dev.signet.agent.attestor.workload.k8s.PodFixtures.podList;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.agent.attestor.workload.AttestationException;
import dev.signet.agent.attestor.workload.Caller;
import dev.signet.agent.attestor.workload.cgroup.CgroupFile;
import dev.signet.agent.attestor.workload.k8s.PodFixtures.C;
import dev.signet.core.selector.Selector;
import dev.signet.testing.ManualClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Matching and selectors on realistic PodList JSON, with cgroup files in a fixture /proc; retries on a manual clock. */
class K8sAttestorTest {
    static final String UID_A = "1f0c3a5e-6b7d-4e8f-9a0b-1c2d3e4f5a6b";
    static final String UID_B = "7e6d5c4b-3a29-4180-8f7e-6d5c4b3a2918";
    static final String WEB = "4a5b6c7d8e9f00112233445566778899aabbccddeeff00112233445566778899";
    static final String SIDECAR = "b1b2b3b4b5b6b7b8b9b0c1c2c3c4c5c6c7c8c9c0d1d2d3d4d5d6d7d8d9d0e1e2";
    static final String INIT = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";
    static final String OTHER = "deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
    static final String DIGEST = "aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11";

    static final String POD_A = pod("payments", "web-7d9c8b6f5-x2x9q", UID_A, "web-sa",
            List.of(C.running("web", "registry.example.org/payments/web:1.4.2", DIGEST, WEB),
                    C.running("envoy", "docker.io/envoyproxy/envoy:v1.29.1", DIGEST.replace('a', 'b'), SIDECAR)),
            List.of(C.running("migrate", "registry.example.org/payments/migrate:1.4.2", DIGEST.replace('a', 'c'), INIT)),
            "app", "web", "pod-template-hash", "7d9c8b6f5");
    static final String POD_B = pod("default", "batch-5f6d7c8b9-abcde", UID_B, "default",
            List.of(C.running("batch", "docker.io/library/busybox:1.36", DIGEST.replace('a', 'd'), OTHER)), List.of(), "app", "batch");

    @TempDir
    Path proc;

    ManualClock clock;
    AtomicInteger fetches;
    List<String> answers;

    @BeforeEach
    void setUp() {
        clock = new ManualClock(Instant.parse("2026-03-01T10:00:00Z"));
        fetches = new AtomicInteger();
        answers = new ArrayList<>();
    }

    private void cgroup(int pid, String text) throws IOException {
        Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(proc.resolve(pid + "/cgroup"), text);
    }

    /** The n-th fetch answers answers[min(n, size-1)]. */
    private K8sAttestor attestor(int attempts, Duration interval) {
        K8sConfig config = new K8sConfig(java.net.URI.create("https://127.0.0.1:10250"), "node-a", null, false, null, null, null, attempts, interval);
        PodSource source = () -> {
            int n = fetches.getAndIncrement();
            String body = answers.get(Math.min(n, answers.size() - 1));
            if (body.startsWith("!")) {
                throw new IOException(body.substring(1));
            }
            return PodListParser.parse(body.getBytes(StandardCharsets.UTF_8));
        };
        return new K8sAttestor(config, new CgroupFile(proc), source, clock, clock::advance);
    }

    private static List<String> rendered(List<Selector> s) {
        return s.stream().map(Selector::toString).toList();
    }

    private static String v1(String uid, String cid) {
        return """
                12:pids:/kubepods/besteffort/pod%1$s/%2$s
                11:memory:/kubepods/besteffort/pod%1$s/%2$s
                1:name=systemd:/kubepods/besteffort/pod%1$s/%2$s
                0::/
                """.formatted(uid, cid);
    }

    @Test
    void selectorsOfTheCallersPodAndContainer() throws Exception {
        cgroup(100, v1(UID_A, WEB));
        answers.add(podList(POD_B, POD_A));

        List<Selector> selectors = attestor(3, Duration.ofMillis(500)).attest(new Caller(100, 0, 0));

        assertThat(rendered(selectors)).containsExactly(
                "k8s:sa:web-sa",
                "k8s:ns:payments",
                "k8s:node-name:node-a",
                "k8s:pod-uid:" + UID_A,
                "k8s:pod-name:web-7d9c8b6f5-x2x9q",
                "k8s:pod-image-count:2",
                "k8s:pod-init-image-count:1",
                "k8s:pod-image:registry.example.org/payments/web:1.4.2",
                "k8s:pod-image:registry.example.org/payments/web@sha256:" + DIGEST,
                "k8s:pod-image:docker.io/envoyproxy/envoy:v1.29.1",
                "k8s:pod-image:docker.io/envoyproxy/envoy@sha256:" + DIGEST.replace('a', 'b'),
                "k8s:pod-init-image:registry.example.org/payments/migrate:1.4.2",
                "k8s:pod-init-image:registry.example.org/payments/migrate@sha256:" + DIGEST.replace('a', 'c'),
                "k8s:pod-label:app:web",
                "k8s:pod-label:pod-template-hash:7d9c8b6f5",
                "k8s:pod-owner:ReplicaSet:web-7d9c8b6f5",
                "k8s:pod-owner-uid:ReplicaSet:5b7f3c2e-9d41-4c6a-8f0e-1a2b3c4d5e6f",
                "k8s:container-name:web",
                "k8s:container-image:registry.example.org/payments/web:1.4.2",
                "k8s:container-image:registry.example.org/payments/web@sha256:" + DIGEST);
        assertThat(fetches).hasValue(1);
    }

    @Test
    void theSidecarAndTheInitContainerOfThePodAreTheirOwnContainers() throws Exception {
        cgroup(101, "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + UID_A.replace('-', '_')
                + ".slice/cri-containerd-" + SIDECAR + ".scope\n");
        cgroup(102, v1(UID_A, INIT));
        answers.add(podList(POD_A, POD_B));
        K8sAttestor k8s = attestor(3, Duration.ofMillis(500));

        assertThat(rendered(k8s.attest(new Caller(101, 0, 0))))
                .contains("k8s:container-name:envoy", "k8s:container-image:docker.io/envoyproxy/envoy:v1.29.1", "k8s:ns:payments")
                .doesNotContain("k8s:container-name:web");
        assertThat(rendered(k8s.attest(new Caller(102, 0, 0))))
                .contains("k8s:container-name:migrate", "k8s:pod-uid:" + UID_A)
                .doesNotContain("k8s:container-name:web");
        assertThat(fetches).as("the cached list serves both within poll_retry_interval").hasValue(1);
    }

    @Test
    void processOutsideAnyContainerGetsNoSelectorsAndNoKubeletCall() throws Exception {
        cgroup(103, "12:pids:/user.slice/user-1000.slice/session-2.scope\n0::/user.slice/user-1000.slice/session-2.scope\n");
        answers.add("!must not be called");

        assertThat(attestor(3, Duration.ofMillis(500)).attest(new Caller(103, 1000, 1000))).isEmpty();
        assertThat(fetches).hasValue(0);
    }

    @Test
    void thePodUidRestrictsTheSearch() {
        // The container ID is listed, but under another pod than the cgroup names: never that pod's identity.
        cgroupUnchecked(104, v1(UID_A, OTHER));
        answers.add(podList(POD_A, POD_B));

        assertThatThrownBy(() -> attestor(2, Duration.ofMillis(500)).attest(new Caller(104, 0, 0)))
                .isInstanceOf(AttestationException.class)
                .hasMessageStartingWith("k8s: container " + OTHER + " in pod " + UID_A + ": no pod on this node has");
    }

    @Test
    void aPodNotListedYetIsRetriedBoundedThenFailsTheWholeAttestation() {
        cgroupUnchecked(105, v1(UID_A, WEB));
        answers.add(podList(POD_B));
        Instant start = clock.instant();

        assertThatThrownBy(() -> attestor(5, Duration.ofMillis(500)).attest(new Caller(105, 0, 0)))
                .isInstanceOfSatisfying(AttestationException.class, e -> assertThat(e.failsAttestation()).isTrue())
                .hasMessage("k8s: container " + WEB + " in pod " + UID_A + ": no pod on this node has container " + WEB + " in pod "
                        + UID_A + " after 5 pod lists over 2000 ms (max_poll_attempts, poll_retry_interval): the kubelet may not list a new pod yet");
        assertThat(fetches).as("one kubelet request per attempt").hasValue(5);
        assertThat(Duration.between(start, clock.instant())).as("one poll_retry_interval between requests").isEqualTo(Duration.ofMillis(2000));
    }

    @Test
    void aPodThatAppearsDuringTheRetriesIsFound() throws Exception {
        cgroupUnchecked(106, v1(UID_A, WEB));
        // just scheduled: not listed, then listed with the container still being created, then running
        answers.add(podList(POD_B));
        answers.add(podList(POD_B, pod("payments", "web-7d9c8b6f5-x2x9q", UID_A, "web-sa",
                List.of(new C("web", "registry.example.org/payments/web:1.4.2", "", "")), List.of())));
        answers.add(podList(POD_B, POD_A));

        assertThat(rendered(attestor(10, Duration.ofMillis(200)).attest(new Caller(106, 0, 0)))).contains("k8s:pod-uid:" + UID_A, "k8s:container-name:web");
        assertThat(fetches).hasValue(3);
    }

    @Test
    void withoutAPodUidANotFoundContainerOnlyDropsTheK8sSelectors() {
        cgroupUnchecked(107, "0::/system.slice/docker-" + OTHER.replace("dead", "feed") + ".scope\n");
        answers.add(podList(POD_A, POD_B));

        assertThatThrownBy(() -> attestor(2, Duration.ofMillis(500)).attest(new Caller(107, 0, 0)))
                .isInstanceOfSatisfying(AttestationException.class, e -> assertThat(e.failsAttestation()).isFalse())
                .hasMessageStartingWith("k8s: container ");
    }

    @Test
    void withoutAPodUidTheContainerIsFoundInAnyPod() throws Exception {
        cgroupUnchecked(108, "0::/../crio-" + OTHER + ".scope\n");
        answers.add(podList(POD_A, POD_B));

        assertThat(rendered(attestor(2, Duration.ofMillis(500)).attest(new Caller(108, 0, 0))))
                .contains("k8s:pod-uid:" + UID_B, "k8s:ns:default", "k8s:container-name:batch");
    }

    @Test
    void twoPodsWithTheSameContainerIdAreAnError() {
        cgroupUnchecked(109, "0::/../crio-" + OTHER + ".scope\n");
        String clash = POD_B.replace(UID_B, UID_A.replace("1f0c", "2f0c")).replace("batch-5f6d7c8b9-abcde", "evil-5f6d7c8b9-zzzzz");
        answers.add(podList(POD_B, clash));

        assertThatThrownBy(() -> attestor(2, Duration.ofMillis(500)).attest(new Caller(109, 0, 0)))
                .isInstanceOf(AttestationException.class)
                .hasMessageContaining("k8s: container " + OTHER + ": two pods list this container: default/batch-5f6d7c8b9-abcde");
    }

    @Test
    void kubeletFailuresNameTheAttestorAndFailTheWholeAttestationForAPod() {
        cgroupUnchecked(110, v1(UID_A, WEB));
        answers.add("!the kubelet at https://127.0.0.1:10250/pods answered HTTP 403");

        assertThatThrownBy(() -> attestor(5, Duration.ofMillis(500)).attest(new Caller(110, 0, 0)))
                .isInstanceOfSatisfying(AttestationException.class, e -> assertThat(e.failsAttestation()).isTrue())
                .hasMessage("k8s: container " + WEB + " in pod " + UID_A + ": the kubelet at https://127.0.0.1:10250/pods answered HTTP 403");
        assertThat(fetches).as("a failed request is not retried at once").hasValue(1);
    }

    @Test
    void aFailedRequestIsSharedForPollRetryIntervalThenTriedAgain() throws Exception {
        cgroupUnchecked(111, v1(UID_A, WEB));
        answers.add("!connection refused");
        answers.add(podList(POD_A));
        K8sAttestor k8s = attestor(3, Duration.ofMillis(500));

        assertThatThrownBy(() -> k8s.attest(new Caller(111, 0, 0))).hasMessageContaining("connection refused");
        assertThatThrownBy(() -> k8s.attest(new Caller(111, 0, 0))).hasMessageContaining("connection refused");
        assertThat(fetches).hasValue(1);
        clock.advance(Duration.ofMillis(500));
        assertThat(rendered(k8s.attest(new Caller(111, 0, 0)))).contains("k8s:container-name:web");
        assertThat(fetches).hasValue(2);
    }

    @Test
    void malformedCgroupFilesAndVanishedProcessesAreErrorsNamingK8s() throws Exception {
        cgroupUnchecked(112, "not a cgroup line\n");
        answers.add(podList(POD_A));
        K8sAttestor k8s = attestor(3, Duration.ofMillis(500));

        assertThatThrownBy(() -> k8s.attest(new Caller(112, 0, 0)))
                .isInstanceOf(AttestationException.class)
                .hasMessageStartingWith("k8s: process 112: malformed ")
                .hasMessageEndingWith("line 1 \"not a cgroup line\": expected hierarchy-ID:controllers:path");
        assertThatThrownBy(() -> k8s.attest(new Caller(999, 0, 0)))
                .isInstanceOf(AttestationException.class)
                .hasMessageStartingWith("k8s: process 999: process 999 not found");
    }

    @Test
    void malformedPodListsAreErrorsSayingWhatIsWrong() {
        cgroupUnchecked(113, v1(UID_A, WEB));
        for (String[] c : new String[][] {
                {"<html>", "the answer is not JSON"},
                {"[]", "the answer is not a JSON object"},
                {"{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\"}", "expected a PodList, got kind \"Status\""},
                {"{\"kind\":\"PodList\",\"items\":{}}", "PodList items is not an array"},
                {"{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"labels\":[1]}}]}", "items[0]: metadata.labels is not an object"},
                {"{\"kind\":\"PodList\",\"items\":[{\"status\":{\"containerStatuses\":\"x\"}}]}", "items[0]: containerStatuses is not an array"}}) {
            assertThatThrownBy(() -> PodListParser.parse(c[0].getBytes(StandardCharsets.UTF_8))).hasMessageContaining(c[1]);
        }
        assertThat(catchParse("{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":null}")).isEmpty();
    }

    private static List<Pod> catchParse(String s) {
        try {
            return PodListParser.parse(s.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private void cgroupUnchecked(int pid, String text) {
        try {
            cgroup(pid, text);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
