package dev.signet.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.signet.it.harness.AgentRecords;
import dev.signet.it.harness.CliResult;
import dev.signet.it.harness.ItDirs;
import dev.signet.it.harness.SignetAgent;
import dev.signet.it.harness.SignetServer;
import dev.signet.it.harness.Uids;
import dev.signet.it.harness.Uids.Uid;
import dev.signet.it.harness.Workload;
import dev.signet.testing.platform.kubernetes.FakeKubernetesApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A real agent process attests with {@code node_attestor "k8s_psat"} to a real server process, which checks the
 * agent's projected token with a Kubernetes API double over TLS (TokenReview, pod, node); a workload on that
 * node then fetches the SVID of an entry targeted at the agent's cluster and namespace, and not that of an entry
 * targeted at another namespace.
 */
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class K8sPsatNodeAttestationTest {
    private static final Duration PROPAGATION = Duration.ofSeconds(30);
    private static final String NODE = "it-worker-1";
    private static final String NODE_UID = "3e0c6f7a-5b1d-4c2e-9f80-a1b2c3d4e5f6";
    private static final String POD = "signet-agent-it7qx";
    private static final String POD_UID = "f00dbabe-1234-4abc-8def-0123456789ab";

    @Test
    void agentInAPodAttestsWithItsProjectedTokenAndServesWorkloadsTargetedAtItsK8sPsatSelectors() throws Exception {
        Uids.assumeRoot();
        Path dir = ItDirs.newDir("k8s-psat");
        try (FakeKubernetesApi api = FakeKubernetesApi.start(dir.resolve("kube-api"))) {
            api.addNode(NODE, NODE_UID, Map.of("topology.kubernetes.io/zone", "it-zone"));
            api.addPod("signet", POD, POD_UID, "signet-agent", NODE, "10.1.2.3", Map.of("app", "signet-agent"));
            Path token = dir.resolve("tokens").resolve("signet-agent");
            Files.createDirectories(token.getParent());
            Files.writeString(token, api.issueToken("signet", "signet-agent", POD, POD_UID, "signet-server"));
            String agentId = SignetServer.id("/signet/agent/k8s_psat/it-cluster/" + NODE_UID);

            try (SignetServer server = SignetServer.start("k8s-psat-server", Map.of(), """
                    node_attestor "k8s_psat" {
                      clusters = {
                        "it-cluster" = {
                          service_account_allow_list = ["signet:signet-agent"]
                          allowed_node_label_keys    = ["topology.kubernetes.io/zone"]
                          %s
                        }
                      }
                    }
                    """.formatted(api.connectionHcl()))) {
                Uid uid = Uids.named().orElseGet(Uids::unlisted);
                String mine = SignetServer.id("/it/k8s-psat/web-" + uid.uid());
                String notMine = SignetServer.id("/it/k8s-psat/other-ns-" + uid.uid());
                server.createEntry("--spiffe-id", mine, "--node-selector", "k8s_psat:cluster:it-cluster",
                        "--node-selector", "k8s_psat:agent_ns:signet", "--selector", uid.selector());
                server.createEntry("--spiffe-id", notMine, "--node-selector", "k8s_psat:cluster:it-cluster",
                        "--node-selector", "k8s_psat:agent_ns:kube-system", "--selector", uid.selector());

                try (SignetAgent agent = SignetAgent.startWithConfig("k8s-psat-agent", server, null, """
                        node_attestor "k8s_psat" {
                          cluster    = "it-cluster"
                          token_path = "%s"
                        }
                        """.formatted(token))) {
                    JsonNode record = AgentRecords.find(server, agentId);
                    assertThat(record.get("attestation_type").asText()).isEqualTo("k8s_psat");
                    assertThat(AgentRecords.selectors(record)).containsExactlyInAnyOrder(
                            "k8s_psat:cluster:it-cluster",
                            "k8s_psat:agent_ns:signet",
                            "k8s_psat:agent_sa:signet-agent",
                            "k8s_psat:agent_pod_name:" + POD,
                            "k8s_psat:agent_pod_uid:" + POD_UID,
                            "k8s_psat:agent_node_ip:10.1.2.3",
                            "k8s_psat:agent_node_name:" + NODE,
                            "k8s_psat:agent_node_uid:" + NODE_UID,
                            "k8s_psat:agent_node_label:topology.kubernetes.io/zone:it-zone");
                    // The server process called the API with its own token, over TLS trusting only the cluster CA.
                    String serverToken = Files.readString(api.tokenPath()).strip();
                    assertThat(api.requests()).extracting(FakeKubernetesApi.Request::path).contains(
                            "/apis/authentication.k8s.io/v1/tokenreviews", "/api/v1/namespaces/signet/pods/" + POD, "/api/v1/nodes/" + NODE);
                    assertThat(api.requests()).allSatisfy(r -> assertThat(r.bearer()).isEqualTo(serverToken));

                    CliResult r = Workload.fetchUntilOk(uid, agent.socket(), PROPAGATION);
                    assertThat(r.json().get("svids").findValuesAsText("spiffe_id")).as(r::toString).containsExactly(mine);
                }
            }
        }
    }
}
