package dev.signet.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.it.harness.CliResult;
import dev.signet.it.harness.SignetAgent;
import dev.signet.it.harness.SignetServer;
import dev.signet.it.harness.Uids;
import dev.signet.it.harness.Uids.Uid;
import dev.signet.it.harness.Workload;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The agent keeps serving cached SVIDs while the server is down (killed with SIGKILL), and reconnects once it
 * is back on the same data directory. This class kills its server, so it has its own server and agent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class ServerOutageTest {
    private SignetServer server;
    private SignetAgent agent;

    @BeforeAll
    void cluster() {
        server = SignetServer.start("outage-server");
        agent = SignetAgent.start("outage-agent", server, server.token());
    }

    @AfterAll
    void stop() {
        if (agent != null) {
            agent.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void cachedSvidsAreServedWhileTheServerIsDownAndTheAgentReconnectsWhenItIsBack() {
        Uids.assumeRoot();
        Uid uid = Uids.unlisted();
        String id = SignetServer.id("/it/outage/cached");
        server.createEntry("--spiffe-id", id, "--any-node", "--selector", uid.selector());
        CliResult before = Workload.fetchUntilOk(uid, agent.socket(), Duration.ofSeconds(30));
        String bundleBefore = server.cli("bundle", "show").ok().stdout();

        server.kill();
        assertThat(server.healthcheck().exit()).as("the server is down").isEqualTo(1);

        CliResult during = Workload.fetch(uid, agent.socket());
        assertThat(during.exit()).as(during::toString).isZero();
        assertThat(during.json().get("svids")).as(during::toString).isEqualTo(before.json().get("svids"));
        assertThat(agent.process().isAlive()).as(agent.process()::tails).isTrue();

        server.restart();
        assertThat(server.cli("bundle", "show").ok().stdout()).as("the CA survived the restart").isEqualTo(bundleBefore);
        assertThat(server.entries().findValuesAsText("spiffe_id")).as("entries survived the restart").containsExactly(id);

        // A new entry can only reach the workload through the agent's re-established sync stream.
        String added = SignetServer.id("/it/outage/added-after-restart");
        server.createEntry("--spiffe-id", added, "--any-node", "--selector", uid.selector());
        CliResult after = dev.signet.testing.Poll.value(Duration.ofSeconds(90), "the agent to receive the new entry",
                () -> {
                    CliResult r = Workload.fetch(uid, agent.socket());
                    return r.exit() == 0 && r.json().get("svids").findValuesAsText("spiffe_id").size() == 2 ? r : null;
                });
        assertThat(after.json().get("svids").findValuesAsText("spiffe_id")).containsExactlyInAnyOrder(id, added);
    }
}
