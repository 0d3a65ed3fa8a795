package dev.signet.agent.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.signet.agent.TestCerts;
import dev.signet.agent.endpoints.workload.IdentitySource;
import dev.signet.core.registration.Entry;
import dev.signet.core.registration.Parent;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.testing.ManualClock;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The agent's identity cache: matching (SPIRE §5.3), ordering and hints (W-12, W-27), notifications, renewal. */
class IdentityCacheTest {
    private static final TestCerts PKI = new TestCerts("example.org");
    private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
    private static final Set<Selector> WEB = sels("unix:uid:1000", "unix:gid:50");
    private static final Set<Selector> DB = sels("unix:uid:2000");

    private final ManualClock clock = new ManualClock(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    private final List<IdentityCache> caches = new ArrayList<>();
    private final IdentityCache cache = newCache(new Random(7));

    @AfterEach
    void close() {
        caches.forEach(IdentityCache::close);
    }

    private IdentityCache newCache(Random jitter) {
        IdentityCache c = new IdentityCache(PKI.trustDomain, jitter);
        caches.add(c);
        return c;
    }

    private static Set<Selector> sels(String... s) {
        return Arrays.stream(s).map(Selector::parse).collect(Collectors.toSet());
    }

    private static Entry entry(String id, String path, String hint, Instant createdAt, long revision, Set<Selector> selectors) {
        return new Entry(id, SpiffeId.parse("spiffe://example.org" + path), new Parent.AnyNode(), new TreeSet<>(selectors),
                null, List.of(), hint, revision, createdAt);
    }

    private static Entry entry(String id, String path, Set<Selector> selectors) {
        return entry(id, path, "", T0, 1, selectors);
    }

    /** An SVID for the entry, valid for an hour from one minute ago (on the test clock). */
    private X509Identity minted(Entry e) {
        TestCerts.Leaf l = PKI.leaf(e.spiffeId().path(), clock.instant().minusSeconds(60), clock.instant().plus(Duration.ofHours(1)));
        return new X509Identity(e, List.of(l.cert()), l.key().getPrivate());
    }

    private static List<String> entryIds(WorkloadUpdate u) {
        return u.identities().stream().map(i -> i.entry().id()).toList();
    }

    private static List<String> ids(List<Entry> entries) {
        return entries.stream().map(Entry::id).toList();
    }

    /** Receives a subscriber's updates; {@link #assertNothingNew} uses the cache's in-order notifier as a barrier. */
    private class Updates implements java.util.function.Consumer<WorkloadUpdate> {
        final BlockingQueue<WorkloadUpdate> queue = new LinkedBlockingQueue<>();
        IdentitySource.Subscription sub;

        @Override
        public void accept(WorkloadUpdate u) {
            queue.add(u);
        }

        WorkloadUpdate next() throws InterruptedException {
            WorkloadUpdate u = queue.poll(5, TimeUnit.SECONDS);
            return u != null ? u : fail("no update within 5s");
        }

        /** Takes updates until one satisfies {@code p} (intermediate states may or may not be seen); returns it. */
        WorkloadUpdate awaitState(java.util.function.Predicate<WorkloadUpdate> p) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline) {
                WorkloadUpdate u = queue.poll(100, TimeUnit.MILLISECONDS);
                if (u != null && p.test(u)) {
                    return u;
                }
            }
            return fail("no matching update within 5s");
        }

        /**
         * Change notifications run in order on the cache's notifier thread, so once a task queued there now has
         * run, every notification caused before has been delivered. (A new subscriber is no barrier: its first
         * state is delivered on the subscribing thread.)
         */
        void assertNothingNew(IdentityCache c) throws InterruptedException {
            assertThat(c.awaitNotifications(Duration.ofSeconds(5))).as("notifier drained").isTrue();
            assertThat(queue).as("unexpected notifications").isEmpty();
        }
    }

    private Updates subscribe(IdentityCache c, Set<Selector> selectors) {
        Updates u = new Updates();
        u.sub = c.subscribe(selectors, u);
        return u;
    }

    // ---- matching and ordering ----

    @Test
    void entryMatchesWhenAllItsSelectorsAreAmongTheWorkloads() throws Exception {
        Entry both = entry("both", "/both", sels("unix:uid:1000", "unix:gid:50"));
        Entry uid = entry("uid", "/uid", sels("unix:uid:1000"));
        Entry other = entry("other", "/other", sels("unix:uid:2000"));
        cache.update(List.of(both, uid, other), List.of(PKI.ca));
        cache.put(List.of(minted(both), minted(uid), minted(other)));

        assertThat(entryIds(cache.current(sels("unix:uid:1000")))).containsExactly("uid");
        assertThat(entryIds(cache.current(sels("unix:uid:1000", "unix:gid:50", "unix:user:alice", "k8s:ns:web")))).containsExactly("both", "uid");
        assertThat(entryIds(cache.current(sels("unix:gid:50")))).isEmpty();
        assertThat(entryIds(cache.current(Set.of()))).isEmpty();
        assertThat(cache.current(sels("unix:uid:1000")).identities().get(0).leaf().getSubjectAlternativeNames().iterator().next().get(1))
                .isEqualTo("spiffe://example.org/uid");
    }

    @Test
    void identitiesAreOrderedByEntryId() {
        Entry c = entry("c", "/c", WEB);
        Entry a = entry("a", "/a", WEB);
        Entry b = entry("b", "/b", WEB);
        cache.update(List.of(c, a, b), List.of(PKI.ca));
        cache.put(List.of(minted(b), minted(c), minted(a)));

        WorkloadUpdate u = cache.current(WEB);
        assertThat(entryIds(u)).containsExactly("a", "b", "c");
        assertThat(u.trustDomain()).isEqualTo(PKI.trustDomain);
        assertThat(u.bundle()).containsExactly(PKI.ca);
        assertThat(u.pending()).isFalse();
    }

    // ---- W-12 hints ----

    @Test
    void W12_duplicateHintKeepsTheOldestEntry() {
        Entry newer = entry("a-newer", "/a", "web", T0.plusSeconds(3600), 1, WEB);
        Entry older = entry("b-older", "/b", "web", T0, 1, WEB);
        Entry unhinted = entry("c", "/c", WEB);
        cache.update(List.of(newer, older, unhinted), List.of(PKI.ca));
        cache.put(List.of(minted(newer), minted(older), minted(unhinted)));

        assertThat(entryIds(cache.current(WEB))).containsExactly("b-older", "c");
    }

    @Test
    void W12_duplicateHintWithEqualCreationTimeKeepsTheSmallerId() {
        Entry x2 = entry("x2", "/x2", "db", T0, 1, WEB);
        Entry x1 = entry("x1", "/x1", "db", T0, 1, WEB);
        Entry y = entry("y", "/y", "cache", T0, 1, WEB);
        cache.update(List.of(x2, y, x1), List.of(PKI.ca));
        cache.put(List.of(minted(x2), minted(x1), minted(y)));

        assertThat(entryIds(cache.current(WEB))).containsExactly("x1", "y");
    }

    @Test
    void W12_emptyHintsAreNeverDeduplicated() {
        Entry e1 = entry("e1", "/one", "", T0, 1, WEB);
        Entry e2 = entry("e2", "/two", "", T0, 1, WEB);
        cache.update(List.of(e1, e2), List.of(PKI.ca));
        cache.put(List.of(minted(e1), minted(e2)));

        assertThat(entryIds(cache.current(WEB))).containsExactly("e1", "e2");
    }

    @Test
    void W12_onlyEntriesMatchingTheWorkloadCompeteForAHint() {
        Entry foreignOldest = entry("a-db", "/db", "main", T0.minusSeconds(60), 1, DB);
        Entry mine = entry("b-web", "/web", "main", T0, 1, WEB);
        cache.update(List.of(foreignOldest, mine), List.of(PKI.ca));
        cache.put(List.of(minted(foreignOldest), minted(mine)));

        assertThat(entryIds(cache.current(WEB))).containsExactly("b-web");
        assertThat(entryIds(cache.current(DB))).containsExactly("a-db");
    }

    @Test
    void W12_hiddenDuplicateDoesNotHoldTheWorkloadPending() {
        Entry winner = entry("w", "/w", "web", T0, 1, WEB);
        Entry loser = entry("l", "/l", "web", T0.plusSeconds(1), 1, WEB);
        cache.update(List.of(winner, loser), List.of(PKI.ca));

        WorkloadUpdate before = cache.current(WEB);
        assertThat(before.identities()).isEmpty();
        assertThat(before.pending()).isTrue();

        cache.put(List.of(minted(winner)));
        WorkloadUpdate after = cache.current(WEB);
        assertThat(entryIds(after)).containsExactly("w");
        assertThat(after.pending()).isFalse();

        cache.put(List.of(minted(loser)));
        assertThat(entryIds(cache.current(WEB))).containsExactly("w");
    }

    // ---- pending and readiness ----

    @Test
    void pendingWhileAMatchingEntryHasNoSvid() {
        assertThat(cache.ready()).isFalse();
        cache.update(List.of(), List.of(PKI.ca));
        assertThat(cache.ready()).isTrue();
        assertThat(cache.current(WEB).pending()).isFalse();

        Entry a = entry("a", "/a", WEB);
        Entry b = entry("b", "/b", WEB);
        Entry dbOnly = entry("db", "/db", DB);
        cache.update(List.of(a, b, dbOnly), List.of(PKI.ca));
        assertThat(cache.current(WEB).pending()).isTrue();
        assertThat(cache.current(WEB).identities()).isEmpty();

        cache.put(List.of(minted(a)));
        assertThat(entryIds(cache.current(WEB))).containsExactly("a");
        assertThat(cache.current(WEB).pending()).isTrue();

        cache.put(List.of(minted(b)));
        assertThat(entryIds(cache.current(WEB))).containsExactly("a", "b");
        assertThat(cache.current(WEB).pending()).as("db's missing SVID is not this workload's concern").isFalse();
        assertThat(cache.current(DB).pending()).isTrue();
        assertThat(cache.current(sels("unix:uid:3000")).pending()).isFalse();
    }

    // ---- subscriptions ----

    @Test
    void servedCountsOpenSubscriptionsPerMintedIdentity() throws Exception {
        Entry web = entry("web", "/web", WEB);
        Entry db = entry("db", "/db", DB);
        cache.update(List.of(web, db), List.of(PKI.ca));
        cache.put(List.of(minted(web)));
        assertThat(cache.served()).isEmpty();

        Updates a = subscribe(cache, WEB);
        Updates b = subscribe(cache, sels("unix:uid:1000", "unix:gid:50", "unix:gid:7"));
        Updates c = subscribe(cache, DB);
        assertThat(cache.served()).as("db has no SVID yet").containsExactly(
                new IdentityCache.Served("web", web.spiffeId().toString(), 2));

        b.sub.close();
        cache.put(List.of(minted(db)));
        assertThat(cache.served()).containsExactly(
                new IdentityCache.Served("db", db.spiffeId().toString(), 1),
                new IdentityCache.Served("web", web.spiffeId().toString(), 1));
        a.sub.close();
        c.sub.close();
        assertThat(cache.served()).isEmpty();
    }


    @Test
    void subscriberGetsTheCurrentStatePromptlyAndThenOnlyItsOwnChanges() throws Exception {
        Entry web = entry("web", "/web", WEB);
        Entry db = entry("db", "/db", DB);
        Updates u = subscribe(cache, WEB);
        WorkloadUpdate initial = u.next();
        assertThat(initial.identities()).isEmpty();
        assertThat(initial.pending()).isFalse();
        assertThat(initial.bundle()).isEmpty();

        cache.update(List.of(web), List.of(PKI.ca));
        WorkloadUpdate first = u.next();
        assertThat(first.identities()).isEmpty();
        assertThat(first.pending()).isTrue();
        assertThat(first.bundle()).containsExactly(PKI.ca);

        X509Identity webSvid = minted(web);
        cache.put(List.of(webSvid));
        WorkloadUpdate minted = u.next();
        assertThat(entryIds(minted)).containsExactly("web");
        assertThat(minted.identities().get(0).leaf()).isEqualTo(webSvid.leaf());
        assertThat(minted.pending()).isFalse();

        // Another workload's entry appears and is minted: not this subscriber's business.
        cache.update(List.of(web, db), List.of(PKI.ca));
        cache.put(List.of(minted(db)));
        // The same state again: nothing changed.
        cache.update(List.of(web, db), List.of(PKI.ca));
        u.assertNothingNew(cache);

        // Rotation of its own SVID is.
        X509Identity rotated = minted(web);
        cache.put(List.of(rotated));
        assertThat(u.next().identities().get(0).leaf()).isEqualTo(rotated.leaf());

        // So is a bundle change.
        TestCerts other = new TestCerts("example.org");
        cache.update(List.of(web, db), List.of(PKI.ca, other.ca));
        assertThat(u.next().bundle()).containsExactly(PKI.ca, other.ca);

        // And removal of its entry.
        cache.update(List.of(db), List.of(PKI.ca, other.ca));
        WorkloadUpdate removed = u.next();
        assertThat(removed.identities()).isEmpty();
        assertThat(removed.pending()).isFalse();

        u.assertNothingNew(cache);
    }

    @Test
    void lateSubscriberGetsTheCurrentStateFirst() throws Exception {
        Entry web = entry("web", "/web", WEB);
        cache.update(List.of(web), List.of(PKI.ca));
        X509Identity svid = minted(web);
        cache.put(List.of(svid));

        Updates late = subscribe(cache, WEB);

        WorkloadUpdate first = late.next();
        assertThat(first.identities()).extracting(X509Identity::leaf).containsExactly(svid.leaf());
        assertThat(first.bundle()).containsExactly(PKI.ca);
        assertThat(first.pending()).isFalse();
    }

    @Test
    void theFirstStateIsDeliveredOnTheSubscribingThreadBeforeSubscribeReturns() throws Exception {
        Entry web = entry("web", "/web", WEB);
        cache.update(List.of(web), List.of(PKI.ca));
        X509Identity svid = minted(web);
        cache.put(List.of(svid));
        assertThat(cache.awaitNotifications(Duration.ofSeconds(5))).isTrue();

        List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
        Updates u = new Updates() {
            @Override
            public void accept(WorkloadUpdate update) {
                threads.add(Thread.currentThread().getName());
                super.accept(update);
            }
        };
        u.sub = cache.subscribe(WEB, u);

        assertThat(u.queue).hasSize(1);
        assertThat(threads).containsExactly(Thread.currentThread().getName());
        assertThat(entryIds(u.next())).containsExactly("web");
        // later changes come from the notifier thread
        cache.put(List.of(minted(web)));
        u.next();
        assertThat(threads.get(1)).isEqualTo("signet-cache-notify");
        u.assertNothingNew(cache);
    }

    @Test
    void subscribersRacingChangesNeverSeeAnOlderStateLast() throws Exception {
        // Each change adds an entry for WEB; a subscriber's updates must only ever grow, and its last one must be
        // the final state, however its first (synchronous) delivery interleaves with the notifier's fan-outs.
        int changes = 40;
        List<Entry> entries = new ArrayList<>();
        List<Updates> subscribers = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread subscribing = new Thread(() -> {
            for (int i = 0; i < 200; i++) {
                Updates u = new Updates();
                u.sub = cache.subscribe(WEB, u);
                subscribers.add(u);
            }
        });
        subscribing.start();
        for (int i = 0; i < changes; i++) {
            Entry e = entry(String.format("e%03d", i), "/w" + i, WEB);
            entries.add(e);
            cache.update(List.copyOf(entries), List.of(PKI.ca));
            cache.put(List.of(minted(e)));
        }
        subscribing.join(10_000);
        assertThat(cache.awaitNotifications(Duration.ofSeconds(10))).isTrue();

        for (Updates u : subscribers) {
            List<WorkloadUpdate> seen = new ArrayList<>(u.queue);
            assertThat(seen).isNotEmpty();
            for (int i = 1; i < seen.size(); i++) {
                assertThat(seen.get(i).entries().size()).as("never an older state after a newer one")
                        .isGreaterThanOrEqualTo(seen.get(i - 1).entries().size());
            }
            assertThat(entryIds(seen.get(seen.size() - 1))).hasSize(changes);
            u.sub.close();
        }
    }

    @Test
    void subscriberRacingAQueuedChangeGetsTheStateOnce() throws Exception {
        Entry web = entry("web", "/web", WEB);
        // Hold the notifier thread so the changes' fan-outs are still queued when the subscriber registers.
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        IdentitySource.Subscription blocker = cache.subscribe(Set.of(), x -> {
            holding.countDown();
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
        blocker.close();
        cache.update(List.of(web), List.of(PKI.ca));
        cache.put(List.of(minted(web)));
        Updates u = subscribe(cache, WEB);
        release.countDown();

        assertThat(entryIds(u.next())).containsExactly("web");
        u.assertNothingNew(cache);
    }

    @Test
    void closedSubscriptionIsNotNotifiedAndAFailingListenerDoesNotStopOthers() throws Exception {
        Entry web = entry("web", "/web", WEB);
        Updates closed = subscribe(cache, WEB);
        IdentitySource.Subscription failing = cache.subscribe(WEB, x -> {
            throw new IllegalStateException("listener bug");
        });
        Updates healthy = subscribe(cache, WEB);
        closed.next();
        healthy.next();
        closed.sub.close();

        cache.update(List.of(web), List.of(PKI.ca));
        cache.put(List.of(minted(web)));

        assertThat(entryIds(healthy.awaitState(x -> !x.identities().isEmpty()))).containsExactly("web");
        closed.assertNothingNew(cache);
        failing.close();
    }

    // ---- entries removed, revisions, renewal ----

    @Test
    void removedEntriesLoseTheirSvids() {
        Entry a = entry("a", "/a", WEB);
        Entry b = entry("b", "/b", WEB);
        cache.update(List.of(a, b), List.of(PKI.ca));
        cache.put(List.of(minted(a), minted(b)));

        cache.update(List.of(b), List.of(PKI.ca));
        assertThat(entryIds(cache.current(WEB))).containsExactly("b");
        assertThat(cache.entryCount()).isEqualTo(1);

        // Back again: the old SVID is gone, it must be minted anew.
        cache.update(List.of(a, b), List.of(PKI.ca));
        assertThat(entryIds(cache.current(WEB))).containsExactly("b");
        assertThat(cache.current(WEB).pending()).isTrue();
        assertThat(ids(cache.dueForMinting(clock.instant()))).containsExactly("a");
    }

    @Test
    void svidForAnEntryRemovedMeanwhileIsIgnored() {
        Entry a = entry("a", "/a", WEB);
        cache.update(List.of(a), List.of(PKI.ca));
        X509Identity late = minted(a);
        cache.update(List.of(), List.of(PKI.ca));

        cache.put(List.of(late));
        cache.update(List.of(a), List.of(PKI.ca));

        assertThat(cache.current(WEB).identities()).isEmpty();
        assertThat(ids(cache.dueForMinting(clock.instant()))).containsExactly("a");
    }

    @Test
    void dueForMintingListsMissingAndStaleSvids() {
        Entry a = entry("a", "/a", WEB);
        Entry b = entry("b", "/b", WEB);
        Entry c = entry("c", "/c", DB);
        cache.update(List.of(a, b, c), List.of(PKI.ca));
        assertThat(ids(cache.dueForMinting(clock.instant()))).containsExactlyInAnyOrder("a", "b", "c");

        X509Identity aV1 = minted(a);
        cache.put(List.of(aV1, minted(b)));
        assertThat(ids(cache.dueForMinting(clock.instant()))).containsExactly("c");

        // The entry changed on the server: revision 2 needs a new SVID; the old one is served meanwhile.
        Entry a2 = entry("a", "/a", "", T0, 2, WEB);
        cache.update(List.of(a2, b, c), List.of(PKI.ca));
        assertThat(ids(cache.dueForMinting(clock.instant()))).containsExactlyInAnyOrder("a", "c");
        assertThat(cache.current(WEB).identities()).extracting(X509Identity::leaf).contains(aV1.leaf());

        cache.put(List.of(minted(a2)));
        assertThat(ids(cache.dueForMinting(clock.instant()))).containsExactly("c");
    }

    @Test
    void renewalIsDueAtAboutHalfLifeWithDeterministicJitter() {
        long seed = 42;
        double fraction = 0.45 + 0.10 * new Random(seed).nextDouble();
        IdentityCache c = newCache(new Random(seed));
        Entry a = entry("a", "/a", WEB);
        c.update(List.of(a), List.of(PKI.ca));
        Instant notBefore = clock.instant();
        TestCerts.Leaf leaf = PKI.leaf("/a", notBefore, notBefore.plus(Duration.ofHours(1)));
        c.put(List.of(new X509Identity(a, List.of(leaf.cert()), leaf.key().getPrivate())));

        Instant renewAt = notBefore.plusMillis((long) (Duration.ofHours(1).toMillis() * fraction));
        assertThat(c.nextRenewal()).isEqualTo(renewAt);
        assertThat(renewAt).isBetween(notBefore.plus(Duration.ofMinutes(27)), notBefore.plus(Duration.ofMinutes(33)));

        clock.set(renewAt.minusMillis(1));
        assertThat(c.dueForMinting(clock.instant())).isEmpty();
        clock.set(renewAt);
        assertThat(ids(c.dueForMinting(clock.instant()))).containsExactly("a");
        clock.advance(Duration.ofMinutes(10));
        assertThat(ids(c.dueForMinting(clock.instant()))).containsExactly("a");
    }

    @Test
    void renewalInstantsSpreadAcross45To55PercentOfTheLifetime() {
        Instant notBefore = T0;
        Duration life = Duration.ofHours(10);
        TestCerts.Leaf leaf = PKI.leaf("/a", notBefore, notBefore.plus(life));
        Entry a = entry("a", "/a", WEB);
        Set<Instant> seen = new HashSet<>();
        double min = 1;
        double max = 0;
        // java.util.Random's first output is nearly the same for neighbouring seeds, so draw the seeds at random.
        Random seeds = new Random(2026);
        for (int i = 0; i < 100; i++) {
            long seed = seeds.nextLong();
            IdentityCache c = new IdentityCache(PKI.trustDomain, new Random(seed));
            try {
                c.update(List.of(a), List.of(PKI.ca));
                c.put(List.of(new X509Identity(a, List.of(leaf.cert()), leaf.key().getPrivate())));
                Instant r = c.nextRenewal();
                double f = (double) Duration.between(notBefore, r).toMillis() / life.toMillis();
                assertThat(f).as("seed %d", seed).isBetween(0.45, 0.55);
                min = Math.min(min, f);
                max = Math.max(max, f);
                seen.add(r);
            } finally {
                c.close();
            }
        }
        assertThat(seen).hasSizeGreaterThan(90);
        assertThat(min).isLessThan(0.47);
        assertThat(max).isGreaterThan(0.53);
    }

    @Test
    void nextRenewalIsTheEarliestOfAllSvids() {
        Entry a = entry("a", "/a", WEB);
        Entry b = entry("b", "/b", WEB);
        cache.update(List.of(a, b), List.of(PKI.ca));
        assertThat(cache.nextRenewal()).isEqualTo(Instant.MAX);

        TestCerts.Leaf shortLived = PKI.leaf("/a", T0, T0.plus(Duration.ofMinutes(10)));
        TestCerts.Leaf longLived = PKI.leaf("/b", T0, T0.plus(Duration.ofHours(10)));
        cache.put(List.of(new X509Identity(b, List.of(longLived.cert()), longLived.key().getPrivate()),
                new X509Identity(a, List.of(shortLived.cert()), shortLived.key().getPrivate())));

        assertThat(cache.nextRenewal()).isBetween(T0.plus(Duration.ofSeconds(270)), T0.plus(Duration.ofSeconds(330)));
    }

    @Test
    void clearForgetsEntriesAndSvidsAndNotifies() throws Exception {
        Entry a = entry("a", "/a", WEB);
        Updates u = subscribe(cache, WEB);
        u.next();
        cache.update(List.of(a), List.of(PKI.ca));
        cache.put(List.of(minted(a)));
        assertThat(entryIds(u.awaitState(x -> !x.identities().isEmpty()))).containsExactly("a");

        cache.clear();

        WorkloadUpdate cleared = u.next();
        assertThat(cleared.identities()).isEmpty();
        assertThat(cleared.pending()).isFalse();
        assertThat(cache.entryCount()).isZero();
        assertThat(cache.dueForMinting(clock.instant())).isEmpty();
        assertThat(cache.nextRenewal()).isEqualTo(Instant.MAX);
        assertThat(cache.current(WEB).identities()).isEmpty();

        // A later sync starts from scratch: nothing minted survives the clear.
        cache.update(List.of(a), List.of(PKI.ca));
        assertThat(cache.current(WEB).pending()).isTrue();
        assertThat(ids(cache.dueForMinting(clock.instant()))).containsExactly("a");
    }

    @Test
    void bundleIsServedAsGiven() {
        X509Certificate extra = new TestCerts("example.org").ca;
        cache.update(List.of(), List.of(extra, PKI.ca));
        assertThat(cache.bundle()).containsExactly(extra, PKI.ca);
        assertThat(cache.current(WEB).bundle()).containsExactly(extra, PKI.ca);
    }
}
