package dev.signet.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.signet.it.harness.ChildProcess;
import dev.signet.it.harness.CliResult;
import dev.signet.it.harness.Pki;
import dev.signet.it.harness.RawWorkloadClient;
import dev.signet.it.harness.SignetAgent;
import dev.signet.it.harness.SignetServer;
import dev.signet.it.harness.Uids;
import dev.signet.it.harness.Uids.Uid;
import dev.signet.it.harness.Workload;
import dev.signet.proto.workload.JWTBundlesRequest;
import dev.signet.proto.workload.JWTBundlesResponse;
import dev.signet.proto.workload.X509SVIDResponse;
import dev.signet.server.store.PostgresTestDatabase;
import dev.signet.testing.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two server processes on one PostgreSQL database: each publishes its own root and JWT key in the one shared
 * bundle, a change made through one server reaches agents connected to the other through the store's change
 * feed, and when the server an agent syncs with is killed (SIGKILL) the agent fails over to the other while its
 * workload's open Workload API stream sees no error and keeps receiving changes and rotations.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class MultiServerTest {
    private static final Duration UPDATE = Duration.ofSeconds(30);
    /** A failure detector, not a timing requirement: the observed figure is printed. */
    private static final Duration PROPAGATION_BOUND = Duration.ofSeconds(5);

    private PostgresTestDatabase db;
    private SignetServer a;
    private SignetServer b;
    private SignetAgent agentOnB;
    private String agentOnBId;

    @BeforeAll
    void cluster() {
        db = PostgresTestDatabase.newDatabase();
        String datastore = SignetServer.postgresDatastore(db.connectionString());
        a = SignetServer.start("ms-server-a", Map.of(), datastore);
        b = SignetServer.start("ms-server-b", Map.of(), datastore);
        String tokenB = b.token();
        agentOnBId = SignetServer.agentId(tokenB);
        agentOnB = SignetAgent.start("ms-agent-b-only", b, tokenB);
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {agentOnB, b, a, db}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // best effort
            }
        }
    }

    @Test
    @Order(1)
    void theSharedBundleCarriesBothServersRootsAndJwtKeysToWorkloads() throws Exception {
        Uids.assumeRoot();
        X509Certificate rootA = Pki.certs(a.caCertificatePem().getBytes()).get(0);
        X509Certificate rootB = Pki.certs(b.caCertificatePem().getBytes()).get(0);
        assertThat(rootA).as("each server has its own CA").isNotEqualTo(rootB);
        for (SignetServer s : List.of(a, b)) {
            assertThat(Pki.certs(s.cli("bundle", "show").ok().stdout().getBytes()))
                    .as("bundle show through " + s.name()).contains(rootA, rootB);
        }

        // The test JVM (root) is the workload here, served by the agent connected only to server B, through an
        // entry written through server A.
        String id = SignetServer.id("/it/multi/root-workload");
        a.createEntry("--spiffe-id", id, "--any-node", "--selector", "unix:uid:0");
        try (RawWorkloadClient client = RawWorkloadClient.open(agentOnB.socket(), "true")) {
            X509SVIDResponse r = Poll.value(UPDATE, "an X509-SVID for the test JVM", () -> {
                try {
                    return client.firstX509();
                } catch (io.grpc.StatusRuntimeException e) {
                    return null;
                }
            });
            List<X509Certificate> bundle = Pki.certs(r.getSvids(0).getBundle().toByteArray());
            assertThat(bundle).as("the workload's X.509 bundle holds both servers' roots").contains(rootA, rootB);

            Iterator<JWTBundlesResponse> jwt = client.blocking().fetchJWTBundles(JWTBundlesRequest.getDefaultInstance());
            JWTBundlesResponse jr = jwt.next();
            assertThat(jr.getBundlesMap()).as("JWT bundles by trust domain").containsOnlyKeys("spiffe://" + SignetServer.TRUST_DOMAIN);
            JsonNode jwks = CliResult.parse(jr.getBundlesOrThrow("spiffe://" + SignetServer.TRUST_DOMAIN).toStringUtf8());
            assertThat(jwks.get("keys").findValuesAsText("kid")).as("the workload's JWT bundle holds both servers' keys")
                    .contains(jwtKeyId(a), jwtKeyId(b));
        }
    }

    @Test
    @Order(2)
    void aChangeMadeThroughServerAReachesAWorkloadWhoseAgentIsConnectedOnlyToServerB() {
        Uids.assumeRoot();
        Uid uid = Uids.unlisted();
        String first = SignetServer.id("/it/multi/via-b");
        String second = SignetServer.id("/it/multi/via-a");
        b.createEntry("--spiffe-id", first, "--any-node", "--selector", uid.selector());
        Workload.fetchUntilOk(uid, agentOnB.socket(), UPDATE);
        try (ChildProcess watch = Workload.watch(uid, agentOnB.socket())) {
            awaitLine(watch, l -> ids(l).equals(List.of(first)), "the first identity");

            Instant written = Instant.now();
            a.createEntry("--spiffe-id", second, "--any-node", "--selector", uid.selector());
            JsonNode both = awaitLine(watch, l -> new TreeSet<>(ids(l)).equals(new TreeSet<>(List.of(first, second))),
                    "the identity registered through server A");
            Duration latency = Duration.between(written, Instant.parse(both.get("received_at").asText()));
            System.out.println("MultiServerTest: entry written through server A reached the workload stream of an agent on "
                    + "server B after " + latency.toMillis() + " ms (including the CLI call and minting the SVID)");
            assertThat(latency).as("propagation across servers (a failure detector, not a timing test)")
                    .isLessThan(PROPAGATION_BOUND);
            assertThat(watch.isAlive()).as(watch::tails).isTrue();
            assertThat(watch.stderr()).as(watch::tails).isEmpty();

            // The catalog's live state is shared through the database: server A lists what the agent connected only
            // to server B serves to this open stream.
            Instant changed = Instant.now();
            Poll.until(UPDATE, "server A's catalog to show the identities served by the agent on server B", () -> {
                for (JsonNode n : a.cli("catalog", "nodes", "--output", "json").ok().json()) {
                    if (n.get("Node").asText().equals(agentOnBId)
                            && n.get("Identities").findValuesAsText("SpiffeID").containsAll(List.of(first, second))) {
                        return true;
                    }
                }
                return false;
            });
            Duration shown = Duration.between(changed, Instant.now());
            System.out.println("MultiServerTest: server A's catalog showed what the agent on server B serves "
                    + shown.toMillis() + " ms after the workload received it");
            assertThat(shown).as("catalog state reported to B, seen through A (a failure detector)").isLessThan(PROPAGATION_BOUND);
        }
    }

    @Test
    @Order(3)
    void killingTheServerTheAgentSyncsWithIsInvisibleToTheWorkloadsOpenStream() {
        Uids.assumeRoot();
        // The agent starts out trusting server A's root only: it must learn B's root from the synced bundle to
        // accept B's certificate when it fails over (or when it happens to try B first for attestation).
        String token = a.token();
        SignetAgent agent = SignetAgent.startMulti("ms-agent-both", List.of(a, b), a.caCertificatePem(), token);
        Uid uid = Uids.unlisted();
        String first = SignetServer.id("/it/multi/failover");
        String second = SignetServer.id("/it/multi/after-failover");
        a.createEntry("--spiffe-id", first, "--any-node", "--selector", uid.selector(), "--x509-ttl", "8s");
        Workload.fetchUntilOk(uid, agent.socket(), UPDATE);

        try (ChildProcess watch = Workload.watch(uid, agent.socket())) {
            awaitLine(watch, l -> ids(l).equals(List.of(first)), "the first identity");
            SignetAgent.SyncedWith before = Poll.value(UPDATE, "the agent's sync stream", () -> agent.syncedWith().orElse(null));
            SignetServer victim = before.port() == a.port() ? a : b;
            SignetServer survivor = victim == a ? b : a;
            assertThat(before.port()).as("the agent syncs with one of the two servers").isEqualTo(victim.port());

            Instant killedAt = Instant.now();
            victim.kill();
            int linesAtKill = watch.stdoutLines().size();
            Instant lastExpiryBeforeKill = parse(watch.stdoutLines()).stream().map(MultiServerTest::expiry)
                    .max(Instant::compareTo).orElseThrow();

            SignetAgent.SyncedWith after = Poll.value(UPDATE, "the agent to fail over to " + survivor.name() + "\n"
                    + agent.process().tails(), () -> agent.syncedWith()
                            .filter(s -> s.streams() > before.streams() && s.port() == survivor.port()).orElse(null));
            System.out.println("MultiServerTest: killed " + victim.name() + "; the agent synced with " + survivor.name()
                    + " " + Duration.between(killedAt, Instant.now()).toMillis() + " ms later (upper bound, polled)");
            assertThat(after.port()).isEqualTo(survivor.port());

            // The survivor's catalog shows what the agent serves (the state is shared, and the agent reports to the
            // survivor right after failing over anyway).
            Instant failedOver = Instant.now();
            Poll.until(UPDATE, survivor.name() + "'s catalog to show what the agent serves", () -> {
                JsonNode nodes = survivor.cli("catalog", "nodes", "--output", "json").ok().json();
                for (JsonNode n : nodes) {
                    if (n.get("Node").asText().equals(SignetServer.agentId(token))
                            && n.get("Identities").findValuesAsText("SpiffeID").contains(first)) {
                        return true;
                    }
                }
                return false;
            });
            Duration reported = Duration.between(failedOver, Instant.now());
            System.out.println("MultiServerTest: " + survivor.name() + "'s catalog showed the agent's identities "
                    + reported.toMillis() + " ms after the failover");
            assertThat(reported).as("catalog state reported to the new server (a failure detector)").isLessThan(PROPAGATION_BOUND);

            // A registration change through the surviving server reaches the same open stream.
            survivor.createEntry("--spiffe-id", second, "--any-node", "--selector", uid.selector());
            awaitLine(watch, l -> new TreeSet<>(ids(l)).equals(new TreeSet<>(List.of(first, second))),
                    "the identity registered through " + survivor.name() + " after the failover");

            // Rotation goes on: two more SVIDs for the 8 s identity, the second necessarily signed after the kill.
            List<Instant> rotations = new ArrayList<>();
            Poll.until(UPDATE, "two rotations of " + first + " after the kill\n" + watch.tails(), () -> {
                rotations.clear();
                Instant seen = lastExpiryBeforeKill;
                for (JsonNode l : parse(watch.stdoutLines())) {
                    Instant e = expiryOf(l, first);
                    if (e != null && e.isAfter(seen)) {
                        rotations.add(e);
                        seen = e;
                    }
                }
                return rotations.size() >= 2 || !watch.isAlive();
            });
            assertThat(rotations).as(watch::tails).hasSizeGreaterThanOrEqualTo(2);

            // No gap and no error: the stream stayed open, and every state it delivered holds the first identity.
            assertThat(watch.isAlive()).as("the workload's stream is still open\n" + watch.tails()).isTrue();
            assertThat(watch.stderr()).as("the workload saw no error\n" + watch.tails()).isEmpty();
            List<JsonNode> lines = parse(watch.stdoutLines());
            assertThat(lines.size()).isGreaterThan(linesAtKill);
            for (JsonNode l : lines) {
                assertThat(ids(l)).as("every state delivered holds the identity\n" + watch.tails()).contains(first);
            }
            CliResult during = Workload.fetch(uid, agent.socket());
            assertThat(during.exit()).as(during::toString).isZero();
        } finally {
            agent.close();
            for (SignetServer s : List.of(a, b)) {
                if (!s.process().isAlive()) {
                    s.restart(); // the killed server comes back on the shared database with its own CA
                }
            }
        }
    }

    private static String jwtKeyId(SignetServer s) {
        try {
            return CliResult.parse(Files.readString(s.dataDir().resolve("jwt").resolve("current.json"))).get("key_id").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode awaitLine(ChildProcess watch, java.util.function.Predicate<JsonNode> p, String what) {
        return Poll.value(UPDATE, what + " on " + watch.name() + "'s stream\n" + watch.tails(), () -> {
            if (!watch.isAlive()) {
                throw new AssertionError(watch.name() + " ended\n" + watch.tails());
            }
            for (JsonNode l : parse(watch.stdoutLines())) {
                if (p.test(l)) {
                    return l;
                }
            }
            return null;
        });
    }

    private static List<JsonNode> parse(List<String> lines) {
        List<JsonNode> out = new ArrayList<>();
        for (String l : lines) {
            out.add(CliResult.parse(l));
        }
        return out;
    }

    private static List<String> ids(JsonNode line) {
        return line.get("svids").findValuesAsText("spiffe_id");
    }

    private static Instant expiry(JsonNode line) {
        return Instant.parse(line.get("svids").get(0).get("expires_at").asText());
    }

    private static Instant expiryOf(JsonNode line, String id) {
        for (JsonNode s : line.get("svids")) {
            if (s.get("spiffe_id").asText().equals(id)) {
                return Instant.parse(s.get("expires_at").asText());
            }
        }
        return null;
    }
}
