package dev.signet.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.signet.it.harness.ChildProcess;
import dev.signet.it.harness.CliResult;
import dev.signet.it.harness.SharedCluster;
import dev.signet.it.harness.SignetAgent;
import dev.signet.it.harness.SignetServer;
import dev.signet.it.harness.Uids;
import dev.signet.it.harness.Uids.Uid;
import dev.signet.it.harness.Workload;
import dev.signet.testing.Poll;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An open FetchX509SVID stream ({@code signet api watch -o json}, a workload child process under its own uid)
 * follows registration changes and rotations without reconnecting: every message carries the full state.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class WorkloadStreamTest {
    private static final Duration UPDATE = Duration.ofSeconds(30);

    private SignetServer server;
    private SignetAgent agent;

    @BeforeAll
    void cluster() {
        SharedCluster c = SharedCluster.get();
        server = c.server();
        agent = c.agent();
    }

    @Test
    void W4_W14_entriesCreatedAndDeletedWhileTheStreamIsOpenReachItAsFullState() {
        Uids.assumeRoot();
        Uid uid = Uids.unlisted();
        String first = SignetServer.id("/it/stream/first");
        String second = SignetServer.id("/it/stream/second");
        String firstEntry = server.createEntry("--spiffe-id", first, "--any-node", "--selector", uid.selector()).get("id").asText();
        Workload.fetchUntilOk(uid, agent.socket(), UPDATE);

        // States are compared after collapsing consecutive identical messages; whether such repeats are sent
        // at all is what W6_addingAnEntrySendsOneMessageNotARepeatOfTheOldState checks.
        try (ChildProcess watch = Workload.watch(uid, agent.socket())) {
            List<JsonNode> states = awaitStates(watch, 1);
            assertThat(ids(states.get(0))).as(watch::tails).containsExactly(first);

            // W-4: a new entry for the same uid arrives on the open stream, next to the existing identity.
            String secondEntry = server.createEntry("--spiffe-id", second, "--any-node", "--selector", uid.selector())
                    .get("id").asText();
            states = awaitStates(watch, 2);
            assertThat(ids(states.get(1))).as(watch::tails).containsExactlyInAnyOrder(first, second);
            assertThat(states.get(1).get("svids").findValuesAsText("expires_at")).as("the first SVID is unchanged")
                    .contains(states.get(0).get("svids").get(0).get("expires_at").asText());

            // W-14: a deleted entry is left out of the next message.
            server.deleteEntry(firstEntry);
            states = awaitStates(watch, 3);
            assertThat(ids(states.get(2))).as(watch::tails).containsExactly(second);

            // Deleting the last one ends the stream with PERMISSION_DENIED.
            server.deleteEntry(secondEntry);
            CliResult end = Workload.runToEnd(watch, "api watch as " + uid);
            assertThat(end.exit()).as(end::toString).isEqualTo(1);
            assertThat(end.stderr()).as(end::toString).isEqualTo("error: no identity issued for this process (PERMISSION_DENIED)\n");
            assertThat(distinct(parse(end.stdout().lines().toList()))).as("no state after the third: " + end).hasSize(3);
        }
    }

    @Test
    void W6_addingAnEntrySendsOneMessageNotARepeatOfTheOldState() {
        Uids.assumeRoot();
        Uid uid = Uids.unlisted();
        Uid unrelated = Uids.unlisted();
        String first = SignetServer.id("/it/stream/once-first");
        String second = SignetServer.id("/it/stream/once-second");
        server.createEntry("--spiffe-id", first, "--any-node", "--selector", uid.selector());
        Workload.fetchUntilOk(uid, agent.socket(), UPDATE);

        try (ChildProcess watch = Workload.watch(uid, agent.socket())) {
            awaitLines(watch, 1);
            // An entry for another uid changes nothing for this workload: no message.
            server.createEntry("--spiffe-id", SignetServer.id("/it/stream/unrelated"), "--any-node", "--selector", unrelated.selector());
            Workload.fetchUntilOk(unrelated, agent.socket(), UPDATE);
            assertThat(watch.stdoutLines()).as("messages after an unrelated entry was added\n" + watch.tails()).hasSize(1);

            server.createEntry("--spiffe-id", second, "--any-node", "--selector", uid.selector());
            Poll.until(UPDATE, "an update listing both identities\n" + watch.tails(),
                    () -> parse(watch.stdoutLines()).stream().anyMatch(l -> ids(l).size() == 2));
            List<JsonNode> lines = parse(watch.stdoutLines());
            assertThat(lines).as("the new identity arrives in exactly one new message (no repeat of the unchanged state "
                    + "while it is minted)\n" + watch.tails()).hasSize(2);
            assertThat(ids(lines.get(0))).containsExactly(first);
            assertThat(ids(lines.get(1))).containsExactlyInAnyOrder(first, second);
        }
    }

    @Test
    void W6_shortLivedSvidIsRotatedOnTheSameOpenStream() {
        Uids.assumeRoot();
        Uid uid = Uids.unlisted();
        String id = SignetServer.id("/it/stream/short-lived");
        server.createEntry("--spiffe-id", id, "--any-node", "--selector", uid.selector(), "--x509-ttl", "6s");
        Workload.fetchUntilOk(uid, agent.socket(), UPDATE);

        try (ChildProcess watch = Workload.watch(uid, agent.socket())) {
            List<JsonNode> lines = awaitLines(watch, 2);
            assertThat(watch.isAlive()).as("the stream stays open across the rotation\n" + watch.tails()).isTrue();
            for (JsonNode l : lines) {
                assertThat(ids(l)).as(watch::tails).containsExactly(id);
            }
            Instant firstExpiry = expiry(lines.get(0));
            Instant secondExpiry = expiry(lines.get(1));
            Instant firstReceived = Instant.parse(lines.get(0).get("received_at").asText());
            assertThat(firstExpiry).as("a 6s SVID").isBetween(firstReceived.minusSeconds(1), firstReceived.plusSeconds(7));
            assertThat(secondExpiry).as("the rotated SVID is a new one\n" + watch.tails()).isAfter(firstExpiry);
        }
    }

    @Test
    void W6_shortLivedSvidIsRenewedAtAboutHalfItsLifetimeNotOnEveryTick() {
        Uids.assumeRoot();
        Uid uid = Uids.unlisted();
        String id = SignetServer.id("/it/stream/half-life");
        server.createEntry("--spiffe-id", id, "--any-node", "--selector", uid.selector(), "--x509-ttl", "12s");
        Workload.fetchUntilOk(uid, agent.socket(), UPDATE);

        try (ChildProcess watch = Workload.watch(uid, agent.socket())) {
            List<JsonNode> lines = awaitLines(watch, 2);
            // The agent renews at 45-55% of an SVID's lifetime (12 s here), checked on a 1 s tick, so two
            // consecutive SVIDs were issued at least 5.4 s apart; allow 1 s for the tick, 1 s for rounding.
            Duration between = Duration.between(expiry(lines.get(0)), expiry(lines.get(1)));
            assertThat(between).as("time between the issuance of two consecutive 12s SVIDs\n" + watch.tails())
                    .isGreaterThanOrEqualTo(Duration.ofMillis(3400));
        }
    }

    private static List<JsonNode> awaitLines(ChildProcess watch, int n) {
        Poll.until(UPDATE, n + " update(s) from " + watch.name() + "\n" + watch.tails(),
                () -> watch.stdoutLines().size() >= n || !watch.isAlive());
        List<JsonNode> out = parse(watch.stdoutLines());
        assertThat(out.size()).as("updates before the stream ended\n" + watch.tails()).isGreaterThanOrEqualTo(n);
        return out;
    }

    /** Waits for {@code n} distinct consecutive states (messages equal but for received_at count once). */
    private static List<JsonNode> awaitStates(ChildProcess watch, int n) {
        Poll.until(UPDATE, n + " distinct state(s) from " + watch.name() + "\n" + watch.tails(),
                () -> distinct(parse(watch.stdoutLines())).size() >= n || !watch.isAlive());
        List<JsonNode> out = distinct(parse(watch.stdoutLines()));
        assertThat(out.size()).as("states before the stream ended\n" + watch.tails()).isGreaterThanOrEqualTo(n);
        return out;
    }

    static List<JsonNode> parse(List<String> lines) {
        List<JsonNode> out = new ArrayList<>();
        for (String l : lines) {
            out.add(CliResult.parse(l));
        }
        return out;
    }

    static List<JsonNode> distinct(List<JsonNode> lines) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode l : lines) {
            if (out.isEmpty() || !withoutTime(out.get(out.size() - 1)).equals(withoutTime(l))) {
                out.add(l);
            }
        }
        return out;
    }

    private static JsonNode withoutTime(JsonNode line) {
        com.fasterxml.jackson.databind.node.ObjectNode o = line.deepCopy();
        o.remove("received_at");
        return o;
    }

    static List<String> ids(JsonNode line) {
        return line.get("svids").findValuesAsText("spiffe_id");
    }

    static Instant expiry(JsonNode line) {
        return Instant.parse(line.get("svids").get(0).get("expires_at").asText());
    }
}
