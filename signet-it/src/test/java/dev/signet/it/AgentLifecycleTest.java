package dev.signet.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.signet.it.harness.CliResult;
import dev.signet.it.harness.SharedCluster;
import dev.signet.it.harness.SignetAgent;
import dev.signet.it.harness.SignetServer;
import dev.signet.it.harness.Uids;
import dev.signet.it.harness.Uids.Uid;
import dev.signet.it.harness.Workload;
import dev.signet.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Node attestation and the agent's life: its identity survives a restart, join tokens work once and expire,
 * a banned agent is cut off, and join-token labels choose which agents serve an entry. Each test runs its own
 * agent processes against the shared server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class AgentLifecycleTest {
    private static final Duration PROPAGATION = Duration.ofSeconds(30);
    private static final Duration EXIT = Duration.ofSeconds(60);

    private SignetServer server;

    @BeforeAll
    void cluster() {
        server = SharedCluster.get().server();
    }

    @Test
    void agentRestartKeepsItsIdentityWithoutANewToken() throws Exception {
        Uids.assumeRoot();
        String token = server.token();
        String agentId = SignetServer.agentId(token);
        Uid uid = Uids.unlisted();
        String id = SignetServer.id("/it/lifecycle/restart");
        try (SignetAgent agent = SignetAgent.start("restart-agent", server, token)) {
            server.createEntry("--spiffe-id", id, "--parent-id", agentId, "--selector", uid.selector());
            assertThat(ids(Workload.fetchUntilOk(uid, agent.socket(), PROPAGATION))).containsExactly(id);
            JsonNode before = agentRecord(agentId);
            assertThat(before.get("attestation_type").asText()).isEqualTo("join_token");
            assertThat(before.get("banned").asBoolean()).isFalse();

            Path data = agent.dataDir();
            assertThat(mode(data)).as("agent data dir").isEqualTo("rwx------");
            assertThat(mode(data.resolve("agent_svid.key"))).as("agent SVID key").isEqualTo("rw-------");
            assertThat(Files.exists(data.resolve("agent_svid.pem"))).isTrue();

            agent.stop();
            assertThat(Files.exists(agent.socket())).as("a cleanly stopped agent removes its socket").isFalse();

            agent.restart(null); // same data dir, no join token
            assertThat(agent.process().stderr()).as(agent.process()::tails).doesNotContain("node attested as");
            JsonNode after = agentRecord(agentId);
            assertThat(after.get("cert_serial").asText()).as("the same agent SVID, not a new attestation")
                    .isEqualTo(before.get("cert_serial").asText());
            assertThat(countAgents(agentId)).isEqualTo(1);
            assertThat(ids(Workload.fetchUntilOk(uid, agent.socket(), PROPAGATION))).containsExactly(id);
        }
    }

    @Test
    void reusedJoinTokenIsRefused() {
        String token = server.token();
        try (SignetAgent first = SignetAgent.start("token-first", server, token)) {
            try (SignetAgent second = SignetAgent.launchOnly("token-reuse", server, token)) {
                int exit = second.process().waitForExit(EXIT);
                String err = second.process().stderr();
                assertThat(exit).as(second.process()::tails).isEqualTo(1);
                assertThat(lastLine(err)).as(second.process()::tails)
                        .isEqualTo("error: node attestation refused: join_token: token is unknown or was already used (PERMISSION_DENIED)");
                assertThat(err).as("no stack trace").doesNotContain("\tat ");
                assertThat(Files.exists(second.socket())).isFalse();
            }
            assertThat(first.process().isAlive()).as("the first agent is unaffected").isTrue();
            assertThat(countAgents(SignetServer.agentId(token))).isEqualTo(1);
        }
    }

    @Test
    void expiredJoinTokenIsRefused() {
        JsonNode token = server.tokenJson("1s");
        Instant expires = Instant.parse(token.get("expires_at").asText());
        // expires_at has whole seconds; the real expiry is up to 1 s later.
        Poll.until(Duration.ofSeconds(10), "the token to expire", () -> Instant.now().isAfter(expires.plusSeconds(1)));

        try (SignetAgent agent = SignetAgent.launchOnly("token-expired", server, token.get("token").asText())) {
            int exit = agent.process().waitForExit(EXIT);
            String err = agent.process().stderr();
            assertThat(exit).as(agent.process()::tails).isEqualTo(1);
            // The server prunes expired tokens every 5 s; a pruned one is reported as unknown.
            assertThat(lastLine(err)).as(agent.process()::tails).matches(
                    "error: node attestation refused: join_token: token (expired at \\S+|is unknown or was already used) \\(PERMISSION_DENIED\\)");
            assertThat(err).as("no stack trace").doesNotContain("\tat ");
        }
        assertThat(countAgents(SignetServer.agentId(token.get("token").asText()))).isZero();
    }

    @Test
    void bannedAgentLosesAccessAndCannotComeBack() {
        Uids.assumeRoot();
        String token = server.token();
        String agentId = SignetServer.agentId(token);
        Uid uid = Uids.unlisted();
        try (SignetAgent agent = SignetAgent.start("banned-agent", server, token)) {
            server.createEntry("--spiffe-id", SignetServer.id("/it/lifecycle/banned"), "--parent-id", agentId, "--selector", uid.selector());
            Workload.fetchUntilOk(uid, agent.socket(), PROPAGATION);

            CliResult ban = server.cli("agent", "ban", "--spiffe-id", agentId).ok();
            assertThat(ban.stdout()).isEqualTo("Banned agent " + agentId + "\n");

            int exit = agent.process().waitForExit(EXIT);
            assertThat(exit).as(agent.process()::tails).isEqualTo(1);
            assertThat(agent.process().stderr()).as(agent.process()::tails)
                    .contains("server refused this agent: agent is banned: " + agentId);
            assertThat(agentRecord(agentId).get("banned").asBoolean()).isTrue();

            CliResult fetch = Workload.fetch(uid, agent.socket());
            assertThat(fetch.exit()).as(fetch::toString).isEqualTo(1);
            assertThat(fetch.stderr()).as(fetch::toString).startsWith("error: cannot reach the Workload API at " + agent.socket());

            // Restarting on the same data directory, without a token, does not bring it back.
            agent.relaunch(null);
            int again = agent.process().waitForExit(EXIT);
            assertThat(again).as(agent.process()::tails).isEqualTo(1);
            // The agent forgot its SVID when it was refused, so there is nothing left to start from.
            assertThat(lastLine(agent.process().stderr())).as(agent.process()::tails).isEqualTo("error: no agent SVID in the data "
                    + "directory and no node attestor configured: set join_token (or --join-token), or a node_attestor block, for the first start");
            assertThat(Files.exists(agent.dataDir().resolve("agent_svid.key"))).as("the banned agent's key is gone").isFalse();
            assertThat(agent.process().stderr()).as("no stack trace").doesNotContain("\tat ");
            assertThat(Files.exists(agent.socket())).isFalse();
        }
    }

    @Test
    void nodeSelectorLabelsChooseWhichAgentsServeAnEntry() {
        Uids.assumeRoot();
        String prodToken = server.token("env=prod");
        String devToken = server.token("env=dev");
        Uid uid = Uids.unlisted();
        String id = SignetServer.id("/it/lifecycle/prod-only");
        try (SignetAgent prod = SignetAgent.start("prod-agent", server, prodToken);
                SignetAgent dev = SignetAgent.start("dev-agent", server, devToken)) {
            assertThat(texts(agentRecord(SignetServer.agentId(prodToken)).get("selectors"))).containsExactly("join_token:label:env:prod");
            assertThat(texts(agentRecord(SignetServer.agentId(devToken)).get("selectors"))).containsExactly("join_token:label:env:dev");

            server.createEntry("--spiffe-id", id, "--node-selector", "join_token:label:env:prod", "--selector", uid.selector());

            assertThat(ids(Workload.fetchUntilOk(uid, prod.socket(), PROPAGATION))).containsExactly(id);
            CliResult onDev = Workload.fetch(uid, dev.socket());
            assertThat(onDev.exit()).as(onDev::toString).isEqualTo(1);
            assertThat(onDev.stderr()).as(onDev::toString).isEqualTo("error: no identity issued for this process (PERMISSION_DENIED)\n");
        }
    }

    private JsonNode agentRecord(String agentId) {
        JsonNode agents = server.agents();
        for (JsonNode a : agents) {
            if (a.get("spiffe_id").asText().equals(agentId)) {
                return a;
            }
        }
        throw new AssertionError("agent " + agentId + " not in agent list: " + agents);
    }

    private long countAgents(String agentId) {
        return StreamSupport.stream(server.agents().spliterator(), false)
                .filter(a -> a.get("spiffe_id").asText().equals(agentId)).count();
    }

    private static List<String> ids(CliResult r) {
        return r.json().get("svids").findValuesAsText("spiffe_id");
    }

    private static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    private static String lastLine(String s) {
        List<String> lines = s.lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    private static String mode(Path p) throws java.io.IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
