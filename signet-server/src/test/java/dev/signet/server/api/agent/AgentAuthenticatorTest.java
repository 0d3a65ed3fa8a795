package dev.signet.server.api.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.server.store.AgentRecord;
import dev.signet.server.store.AgentStore;
import dev.signet.server.store.Datastore;
import dev.signet.server.store.sql.SqliteDatastore;
import dev.signet.testing.ManualClock;
import dev.signet.testing.Poll;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AgentAuthenticator}'s decisions on a real SQLite store through an {@link AgentRecordCache}: the cache answers
 * the common case without store reads, writes through this server take effect on the next call, another server's
 * writes (a second datastore on the same file) within the bound, promotions still go through the store, and one
 * agent's promotion does not hold up another agent's call.
 */
class AgentAuthenticatorTest {
    private static final TrustDomain TD = new TrustDomain("td");
    private static final SpiffeId A = SpiffeId.parse("spiffe://td/signet/agent/join_token/a");
    private static final SpiffeId B = SpiffeId.parse("spiffe://td/signet/agent/join_token/b");
    private static final Duration BOUND = AgentRecordCache.DEFAULT_MAX_AGE;

    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private Datastore store;
    private Datastore otherServer;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeEach
    void open() {
        store = SqliteDatastore.open(dir, clock);
        otherServer = SqliteDatastore.open(dir, clock);
    }

    @AfterEach
    void close() {
        pool.shutdownNow();
        otherServer.close();
        store.close();
    }

    private AgentRecord agent(SpiffeId id, String serial, String newSerial) {
        Instant now = clock.instant();
        return new AgentRecord(id, "join_token", new TreeSet<>(List.of(new Selector("join_token", "x"))), serial,
                now.plus(Duration.ofHours(1)), newSerial, newSerial.isEmpty() ? null : now.plus(Duration.ofHours(2)), false, now, now);
    }

    private static Status denial(ThrowingCall call) {
        Status s = outcome(call);
        if (s.isOk()) {
            throw new AssertionError("expected a denial");
        }
        return s;
    }

    /** OK when the call is allowed, else the denial's status. */
    private static Status outcome(ThrowingCall call) {
        try {
            call.run();
            return Status.OK;
        } catch (AgentAuthenticator.Denied d) {
            return d.status;
        }
    }

    private static void assertDenied(ThrowingCall call, String description) {
        Status s = denial(call);
        assertThat(s.getCode()).as("%s", s).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(s.getDescription()).contains(description);
    }

    interface ThrowingCall {
        void run() throws AgentAuthenticator.Denied;
    }

    @Test
    void currentSvidIsAnsweredFromTheCacheWithOneStoreReadPerBound() throws Exception {
        store.agents().create(agent(A, "0a", ""));
        AgentRecordCache cache = new AgentRecordCache(store.agents(), clock);
        AgentAuthenticator auth = new AgentAuthenticator(TD, cache, clock);

        for (int i = 0; i < 50; i++) {
            assertThat(auth.authorize(A, "0a", false).id()).isEqualTo(A);
        }
        assertThat(cache.loads()).isEqualTo(1);

        clock.advance(BOUND);
        auth.authorize(A, "0a", false);
        assertThat(cache.loads()).isEqualTo(2);
        // a call that writes the record (RenewAgent) is authorized on the store's copy
        auth.authorize(A, "0a", true);
        assertThat(cache.loads()).isEqualTo(3);
    }

    @Test
    void writesThroughTheCacheTakeEffectOnTheNextCall() throws Exception {
        AgentRecordCache cache = new AgentRecordCache(store.agents(), clock);
        AgentAuthenticator auth = new AgentAuthenticator(TD, cache, clock);
        assertDenied(() -> auth.authorize(A, "0a", false), "not attested");

        cache.create(agent(A, "0a", "")); // attestation
        assertThat(auth.authorize(A, "0a", false).certSerial()).isEqualTo("0a");

        cache.update(cache.get(A).orElseThrow().asBanned()); // ban
        assertDenied(() -> auth.authorize(A, "0a", false), "agent is banned");

        cache.create(agent(B, "0b", ""));
        auth.authorize(B, "0b", false);
        assertThat(cache.delete(B)).isTrue(); // eviction
        assertDenied(() -> auth.authorize(B, "0b", false), "not attested");
        // the clock never moved: every answer above came from a cache the writes had invalidated
    }

    @Test
    void anotherServersWriteIsSeenWithinTheBound() throws Exception {
        store.agents().create(agent(A, "0a", ""));
        AgentRecordCache cache = new AgentRecordCache(store.agents(), clock); // not following the change feed
        AgentAuthenticator auth = new AgentAuthenticator(TD, cache, clock);
        auth.authorize(A, "0a", false);

        otherServer.agents().update(otherServer.agents().get(A).orElseThrow().asBanned());

        clock.advance(BOUND.minusMillis(1));
        auth.authorize(A, "0a", false); // still inside the bound: the cached copy
        clock.advance(Duration.ofMillis(1));
        assertDenied(() -> auth.authorize(A, "0a", false), "agent is banned");
    }

    @Test
    void anotherServersWriteArrivesThroughTheChangeFeedWithoutWaitingForTheBound() throws Exception {
        store.agents().create(agent(A, "0a", ""));
        AgentRecordCache cache = new AgentRecordCache(store.agents(), clock);
        AgentAuthenticator auth = new AgentAuthenticator(TD, cache, clock);
        Instant start = clock.instant();
        try (AutoCloseable feed = store.watch(cache::invalidateAll)) {
            auth.authorize(A, "0a", false);

            otherServer.agents().delete(A); // evicted on the other server

            Poll.until(Duration.ofSeconds(10), "the eviction to reach this server's cache",
                    () -> outcome(() -> auth.authorize(A, "0a", false)).getCode() == Status.Code.PERMISSION_DENIED);
            assertDenied(() -> auth.authorize(A, "0a", false), "not attested");
        }
        assertThat(clock.instant()).as("the clock never moved: the bound did not expire").isEqualTo(start);
    }

    @Test
    void newSvidIsPromotedInTheStoreAndSupersedesTheOldOne() throws Exception {
        store.agents().create(agent(A, "0a", ""));
        AgentRecordCache cache = new AgentRecordCache(store.agents(), clock);
        AgentAuthenticator auth = new AgentAuthenticator(TD, cache, clock);
        auth.authorize(A, "0a", false); // cached before the renewal
        cache.update(cache.get(A).orElseThrow().withNewCert("1a", clock.instant().plus(Duration.ofHours(2)))); // RenewAgent

        assertThat(auth.authorize(A, "1a", false).certSerial()).isEqualTo("1a");
        AgentRecord stored = store.agents().get(A).orElseThrow();
        assertThat(stored.certSerial()).isEqualTo("1a");
        assertThat(stored.newCertSerial()).isEmpty();
        assertDenied(() -> auth.authorize(A, "0a", false), "not active");
        assertThat(auth.authorize(A, "1a", false).certSerial()).isEqualTo("1a");
    }

    @Test
    void newSvidIssuedByAnotherServerIsPromotedAtOnce() throws Exception {
        store.agents().create(agent(A, "0a", ""));
        AgentRecordCache cache = new AgentRecordCache(store.agents(), clock);
        AgentAuthenticator auth = new AgentAuthenticator(TD, cache, clock);
        auth.authorize(A, "0a", false);
        otherServer.agents().update(agent(A, "0a", "1a")); // renewed through the other server

        // the cached copy knows no "1a": the store's copy decides, not the cache
        assertThat(auth.authorize(A, "1a", false).certSerial()).isEqualTo("1a");
    }

    @Test
    void bannedAgentCannotBePromoted() throws Exception {
        store.agents().create(agent(A, "0a", "1a"));
        AgentRecordCache cache = new AgentRecordCache(store.agents(), clock);
        AgentAuthenticator auth = new AgentAuthenticator(TD, cache, clock);
        auth.authorize(A, "0a", false); // cached, not banned, with the new serial

        otherServer.agents().update(otherServer.agents().get(A).orElseThrow().asBanned());

        assertDenied(() -> auth.authorize(A, "1a", false), "agent is banned");
        assertThat(store.agents().get(A).orElseThrow().banned()).isTrue();
    }

    /** The store as this server uses it, with {@code update} of one agent held until released. */
    private static final class HeldUpdates implements AgentStore {
        private final AgentStore store;
        private final SpiffeId held;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        HeldUpdates(AgentStore store, SpiffeId held) {
            this.store = store;
            this.held = held;
        }

        @Override
        public void create(AgentRecord agent) {
            store.create(agent);
        }

        @Override
        public Optional<AgentRecord> get(SpiffeId id) {
            return store.get(id);
        }

        @Override
        public void update(AgentRecord agent) {
            if (agent.id().equals(held)) {
                entered.countDown();
                try {
                    if (!release.await(30, TimeUnit.SECONDS)) {
                        throw new AssertionError("never released");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
            store.update(agent);
        }

        @Override
        public boolean delete(SpiffeId id) {
            return store.delete(id);
        }

        @Override
        public List<AgentRecord> list() {
            return store.list();
        }
    }

    @Test
    void onePromotionInTheStoreDoesNotHoldUpOtherAgents() throws Exception {
        store.agents().create(agent(A, "0a", "1a"));
        store.agents().create(agent(B, "0b", "1b"));
        HeldUpdates held = new HeldUpdates(store.agents(), A);
        AgentRecordCache cache = new AgentRecordCache(held, clock);
        AgentAuthenticator auth = new AgentAuthenticator(TD, cache, clock);

        Future<AgentRecord> promotingA = pool.submit(() -> auth.authorize(A, "1a", false));
        assertThat(held.entered.await(10, TimeUnit.SECONDS)).as("A's promotion reached the store").isTrue();
        Future<AgentRecord> secondA = pool.submit(() -> auth.authorize(A, "1a", false));

        // B is authenticated (a cache load from the store) and even promoted while A's promotion is held
        assertThat(CompletableFuture.supplyAsync(() -> call(() -> auth.authorize(B, "0b", false)), pool)
                .get(10, TimeUnit.SECONDS).certSerial()).isEqualTo("0b");
        assertThat(CompletableFuture.supplyAsync(() -> call(() -> auth.authorize(B, "1b", false)), pool)
                .get(10, TimeUnit.SECONDS).certSerial()).isEqualTo("1b");
        assertThat(promotingA.isDone()).isFalse();

        held.release.countDown();
        assertThat(promotingA.get(10, TimeUnit.SECONDS).certSerial()).isEqualTo("1a");
        // the second call for A waited for the first (per-agent lock) and found the promotion done
        assertThat(secondA.get(10, TimeUnit.SECONDS).certSerial()).isEqualTo("1a");
        assertThat(store.agents().get(A).orElseThrow().certSerial()).isEqualTo("1a");
    }

    @Test
    void promotionRacingABanOnAnotherServerIsDenied() throws Exception {
        store.agents().create(agent(A, "0a", "1a"));
        HeldUpdates held = new HeldUpdates(store.agents(), A);
        AgentAuthenticator auth = new AgentAuthenticator(TD, new AgentRecordCache(held, clock), clock);

        Future<Status> promoting = pool.submit(() -> denial(() -> auth.authorize(A, "1a", false)));
        assertThat(held.entered.await(10, TimeUnit.SECONDS)).isTrue();
        otherServer.agents().update(otherServer.agents().get(A).orElseThrow().asBanned()); // between read and write
        held.release.countDown();

        Status s = promoting.get(10, TimeUnit.SECONDS);
        assertThat(s.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(s.getDescription()).contains("no longer authorized");
        assertThat(store.agents().get(A).orElseThrow().banned()).isTrue();
        assertDenied(() -> auth.authorize(A, "1a", false), "agent is banned");
    }

    @Test
    void evictedAgentsAndExpiredRecordsLeaveTheCache() throws Exception {
        AgentRecordCache cache = new AgentRecordCache(store.agents(), clock);
        AgentAuthenticator auth = new AgentAuthenticator(TD, cache, clock);
        cache.create(agent(A, "0a", ""));
        cache.create(agent(B, "0b", ""));
        auth.authorize(A, "0a", false);
        auth.authorize(B, "0b", false);
        assertThat(cache.size()).isEqualTo(2);

        cache.delete(A);
        assertThat(cache.size()).isEqualTo(1);

        clock.advance(BOUND.multipliedBy(11));
        auth.authorize(B, "0b", false); // a load sweeps what expired
        assertDenied(() -> auth.authorize(A, "0a", false), "not attested");
        clock.advance(BOUND.multipliedBy(11));
        auth.authorize(B, "0b", false);
        assertThat(cache.size()).as("only B, which keeps calling, stays").isEqualTo(1);
    }

    private static AgentRecord call(Callable c) {
        try {
            return c.call();
        } catch (AgentAuthenticator.Denied d) {
            throw new AssertionError(d.status.toString(), d);
        }
    }

    interface Callable {
        AgentRecord call() throws AgentAuthenticator.Denied;
    }

    @Test
    void aFailedWriteStillInvalidates() {
        store.agents().create(agent(A, "0a", ""));
        AgentRecordCache cache = new AgentRecordCache(store.agents(), clock);
        cache.cached(A);
        otherServer.agents().update(otherServer.agents().get(A).orElseThrow().asBanned());
        assertThatThrownBy(() -> cache.update(agent(A, "0a", "1a"))).isInstanceOf(dev.signet.server.store.StoreException.Conflict.class);
        assertThat(cache.cached(A).orElseThrow().banned()).isTrue();
    }
}
