package dev.signet.it;

import static dev.signet.it.harness.CgroupWorkloads.ids;
import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.it.harness.CgroupWorkloads;
import dev.signet.it.harness.Cgroups;
import dev.signet.it.harness.ItDirs;
import dev.signet.it.harness.SharedCluster;
import dev.signet.it.harness.SignetAgent;
import dev.signet.it.harness.SignetServer;
import dev.signet.it.harness.Uids;
import dev.signet.it.harness.Uids.Uid;
import dev.signet.testing.Poll;
import dev.signet.testing.platform.docker.FakeDockerEngine;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The {@code docker} workload attestor end to end: a real agent with {@code workload_attestor "docker"} inspects
 * containers on a Docker Engine double listening on a real Unix socket; real workload processes (same uid) are moved into
 * Docker-shaped cgroup v1 directories ({@code /docker/<cid>}) before they connect.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class DockerWorkloadAttestationTest {
    private static final Duration PROPAGATION = Duration.ofSeconds(30);

    private SignetServer server;
    private FakeDockerEngine engine;
    private SignetAgent agent;
    private Cgroups cgroups;
    private CgroupWorkloads workloads;
    private final Uid uid = Uids.unlisted();

    private final String apiCid = cid();
    private final String otherCid = cid();
    private final String unknownCid = cid();
    private String apiId;
    private String plainId;

    private static String cid() {
        return (UUID.randomUUID().toString() + UUID.randomUUID()).replace("-", "");
    }

    @BeforeAll
    void start() throws Exception {
        cgroups = Cgroups.open();
        server = SharedCluster.get().server();
        engine = new FakeDockerEngine(ItDirs.newDir("dockerd").resolve("docker.sock"));
        engine.container(apiCid, "api", "registry.example.org/shop/api:3.2", Map.of("com.example.app", "api", "com.example.tier", "backend"),
                List.of("PATH=/usr/bin:/bin", "DEPLOY_ENV=prod", "API_TOKEN=s3cr3t"));
        engine.container(otherCid, "worker", "registry.example.org/shop/api:3.2", Map.of("com.example.app", "worker", "com.example.tier", "backend"),
                List.of("DEPLOY_ENV=prod"));
        agent = SignetAgent.startWithConfig("docker-agent", server, server.token("cluster=it-docker"), """
                workload_attestor "docker" {
                  docker_socket_path = "unix://%s"
                  env_allow_list     = ["DEPLOY_ENV"]
                  inspect_attempts   = 2
                }
                """.formatted(engine.socket()));
        workloads = new CgroupWorkloads(server, agent, "docker", PROPAGATION);
        apiId = workloads.entry("/docker/api", "docker:label:com.example.app:api", "docker:image_id:registry.example.org/shop/api:3.2",
                "docker:env:DEPLOY_ENV=prod");
        plainId = workloads.entry("/docker/plain-" + uid.uid(), uid.selector());
        Poll.until(PROPAGATION, "the entries to reach the agent", () -> ids(workloads.fetchUntilOk(cgroups.mkdirs("docker/" + apiCid), uid)).size() == 2);
    }

    @AfterAll
    void stop() throws Exception {
        if (workloads != null) {
            workloads.close();
        }
        if (agent != null) {
            agent.close();
        }
        if (engine != null) {
            engine.close();
        }
        if (cgroups != null) {
            cgroups.close();
        }
    }

    @Test
    void theContainerGetsItsSvidAndAnotherContainerOrAPlainProcessDoesNot() {
        assertThat(ids(workloads.fetch(cgroups.mkdirs("docker/" + apiCid), uid))).containsExactlyInAnyOrder(apiId, plainId);
        assertThat(engine.requests()).contains("GET /v1.41/containers/" + apiCid + "/json HTTP/1.1");

        // Same uid, same image and environment, another label.
        assertThat(ids(workloads.fetch(cgroups.mkdirs("docker/" + otherCid), uid))).containsExactly(plainId);
        // Not in a container: attested by uid only, and the engine is not asked.
        int asked = engine.requests().size();
        assertThat(ids(workloads.fetch(cgroups.mkdirs("signet-it-plain-docker-" + ProcessHandle.current().pid()), uid))).containsExactly(plainId);
        assertThat(engine.requests()).hasSize(asked);
    }

    @Test
    void aContainerTheEngineDoesNotKnowGetsNoDockerSelectors() {
        // The docker attestor fails ("not found"); as in SPIRE only its selectors are dropped.
        assertThat(ids(workloads.fetch(cgroups.mkdirs("system.slice/docker-" + unknownCid + ".scope"), uid))).containsExactly(plainId);
        Poll.until(Duration.ofSeconds(10), "the agent to log why", () -> agent.process().stderr().contains(
                "docker: container " + unknownCid + " not found by the Docker engine at " + engine.socket() + " (No such container: " + unknownCid + ")"));
    }
}
