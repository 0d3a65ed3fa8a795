package dev.signet.it;

import static dev.signet.it.harness.CgroupWorkloads.ids;
import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.it.harness.CgroupWorkloads;
import dev.signet.it.harness.Cgroups;
import dev.signet.it.harness.CliResult;
import dev.signet.it.harness.ItDirs;
import dev.signet.it.harness.SharedCluster;
import dev.signet.it.harness.SignetAgent;
import dev.signet.it.harness.SignetServer;
import dev.signet.it.harness.Uids;
import dev.signet.it.harness.Uids.Uid;
import dev.signet.testing.Poll;
import dev.signet.testing.platform.kubernetes.FakeKubelet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The {@code k8s} workload attestor end to end: a real agent process with {@code workload_attestor "k8s"} asks a kubelet
 * double over HTTPS (its CA, the node name, the service-account token); real workload processes (the signet CLI, all
 * under the same uid) are moved into kubelet-shaped cgroup v1 directories ({@code /kubepods/besteffort/pod<uid>/<cid>})
 * before they connect. Only the k8s selectors tell them apart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class KubernetesWorkloadAttestationTest {
    private static final Duration PROPAGATION = Duration.ofSeconds(30);
    private static final String UNAVAILABLE = "error: workload attestation failed\n";

    private SignetServer server;
    private FakeKubelet kubelet;
    private SignetAgent agent;
    private Cgroups cgroups;
    private CgroupWorkloads workloads;

    private final String webPod = UUID.randomUUID().toString();
    private final String batchPod = UUID.randomUUID().toString();
    private final String stagingPod = UUID.randomUUID().toString();
    private final String webCid = cid();
    private final String envoyCid = cid();
    private final String batchCid = cid();
    private final String stagingCid = cid();
    private final String newPod = UUID.randomUUID().toString();
    private final String newCid = cid();

    private final Uid uid = Uids.unlisted();
    private String webId;
    private String plainId;
    private String plainWithNsId;
    private String newPodId;

    private static String cid() {
        return (UUID.randomUUID().toString() + UUID.randomUUID()).replace("-", "");
    }

    @BeforeAll
    void start() throws Exception {
        cgroups = Cgroups.open();
        server = SharedCluster.get().server();
        Path dir = ItDirs.newDir("kubelet");
        kubelet = FakeKubelet.start("node-a", dir);
        kubelet.pod("payments", "web-7d9c8b6f5-x2x9q", webPod, "web-sa", Map.of("app", "web"), Map.of("web", webCid, "envoy", envoyCid));
        kubelet.pod("payments", "batch-5f6d7c8b9-abcde", batchPod, "batch-sa", Map.of("app", "batch"), Map.of("web", batchCid));
        kubelet.pod("staging", "web-6c5b4a398-qwert", stagingPod, "web-sa", Map.of("app", "web"), Map.of("web", stagingCid));
        agent = SignetAgent.startWithConfig("k8s-agent", server, server.token("cluster=it-k8s"), """
                workload_attestor "k8s" {
                  kubelet_url         = "%s"
                  node_name           = "node-a"
                  kubelet_ca_path     = "%s"
                  token_path          = "%s"
                  max_poll_attempts   = 3
                  poll_retry_interval = "300ms"
                }
                """.formatted(kubelet.url(), kubelet.caFile(), kubelet.tokenFile()));
        workloads = new CgroupWorkloads(server, agent, "k8s", PROPAGATION);
        // Every entry up front, so one wait covers their propagation to the agent.
        webId = workloads.entry("/k8s/payments/web", "k8s:ns:payments", "k8s:sa:web-sa", "k8s:pod-label:app:web", "k8s:container-name:web");
        plainId = workloads.entry("/k8s/plain-" + uid.uid(), uid.selector());
        plainWithNsId = workloads.entry("/k8s/plain-with-ns-" + uid.uid(), uid.selector(), "k8s:ns:payments");
        newPodId = workloads.entry("/k8s/payments/new", "k8s:pod-uid:" + newPod);
        Poll.until(PROPAGATION, "the entries to reach the agent",
                () -> ids(workloads.fetchUntilOk(container(webPod, webCid), uid)).size() == 3);
    }

    @AfterAll
    void stop() throws Exception {
        if (workloads != null) {
            workloads.close();
        }
        if (agent != null) {
            agent.close();
        }
        if (kubelet != null) {
            kubelet.close();
        }
        if (cgroups != null) {
            cgroups.close();
        }
    }

    private Path container(String podUid, String cid) {
        return cgroups.mkdirs("kubepods/besteffort/pod" + podUid + "/" + cid);
    }

    @Test
    void theWorkloadInItsPodGetsItsSvidAndNoOtherPodNamespaceOrContainerDoes() {
        // All workloads run as the same uid: only the k8s selectors tell them apart. The unix-only entry is everyone's.
        assertThat(ids(workloads.fetch(container(webPod, webCid), uid))).containsExactlyInAnyOrder(webId, plainId, plainWithNsId);

        // Same uid, same container name, but another pod (other labels and service account) of the same namespace.
        assertThat(ids(workloads.fetch(container(batchPod, batchCid), uid))).containsExactlyInAnyOrder(plainId, plainWithNsId);
        // Same labels, service account and container name, but another namespace.
        assertThat(ids(workloads.fetch(container(stagingPod, stagingCid), uid))).containsExactly(plainId);
        // The same pod's sidecar container.
        assertThat(ids(workloads.fetch(container(webPod, envoyCid), uid))).containsExactlyInAnyOrder(plainId, plainWithNsId);
        // A process claiming the web container's ID under another pod's cgroup: the pod UID restricts the search.
        CliResult forged = workloads.fetch(container(batchPod, webCid), uid);
        assertThat(forged.exit()).as(forged::toString).isEqualTo(1);
        assertThat(forged.stderr()).as(forged::toString).isEqualTo(UNAVAILABLE);

        assertThat(kubelet.unauthorized()).as("every kubelet request carried the service-account token").isZero();
    }

    @Test
    void aProcessInNoContainerGetsNoK8sSelectors() {
        // Attested (not an error) with its unix selectors only: the entry that also needs a k8s selector is not issued.
        assertThat(ids(workloads.fetch(cgroups.mkdirs("signet-it-plain-" + ProcessHandle.current().pid()), uid))).containsExactly(plainId);
        assertThat(ids(workloads.fetch(null, uid))).containsExactly(plainId);
    }

    @Test
    void aPodTheKubeletDoesNotListYetIsUnavailableAfterTheBoundedRetriesNeverAnotherIdentity() {
        // Without its pod's selectors the process would still get plainId (its uid's): it must get nothing instead.
        Path cgroup = container(newPod, newCid);
        int before = kubelet.podRequests();
        CliResult early = workloads.fetch(cgroup, uid);
        assertThat(early.exit()).as(early::toString).isEqualTo(1);
        assertThat(early.stderr()).as(early::toString).isEqualTo(UNAVAILABLE);
        assertThat(kubelet.podRequests() - before).as("bounded: max_poll_attempts pod lists").isBetween(1, 3);
        Poll.until(Duration.ofSeconds(10), "the agent to log why", () -> agent.process().stderr().contains(
                "k8s: container " + newCid + " in pod " + newPod + ": no pod on this node has container " + newCid + " in pod " + newPod + " after 3 pod lists"));

        kubelet.pod("payments", "new-6f7e8d9c0-lmnop", newPod, "default", Map.of("app", "new"), Map.of("main", newCid));
        assertThat(ids(workloads.fetchUntilOk(cgroup, uid))).containsExactlyInAnyOrder(newPodId, plainId, plainWithNsId);
    }

    @Test
    void catalogServicesSelectWorkloadsByK8sSelectors() throws Exception {
        String name = "it-k8s-web";
        String id = "spiffe://" + SignetServer.TRUST_DOMAIN + "/ns/default/dc/dc1/svc/" + name;
        Path def = ItDirs.newDir("catalog-k8s").resolve(name + ".hcl");
        Files.writeString(def, """
                service {
                  name               = "%s"
                  port               = 8080
                  node_selectors     = ["join_token:label:cluster:it-k8s"]
                  workload_selectors = [["k8s:ns:payments", "k8s:container-name:web", "k8s:pod-label:app:web"]]
                }
                """.formatted(name));
        try {
            server.cli("service", "register", def.toString()).ok();
            assertThat(ids(workloads.fetchUntilOk(container(webPod, webCid), uid))).contains(id);
            assertThat(ids(workloads.fetch(container(stagingPod, stagingCid), uid))).containsExactly(plainId);
        } finally {
            server.cli("service", "deregister", name);
        }
    }
}
