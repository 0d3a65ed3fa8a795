package dev.signet.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.registration.Entry;
import dev.signet.core.registration.Parent;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.testing.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Datastore} backend must pass. A backend's test extends this class and
 * implements {@link #newDatastore}. Other modules reuse it through this module's test-jar
 * ({@code <type>test-jar</type>}, plus test dependencies on signet-testing, JUnit and AssertJ).
 */
public abstract class DatastoreContract {
    protected static final TrustDomain TD = new TrustDomain("example.org");
    /**
     * Deliberately not on a whole second, so entry creation times must be truncated; instants the contract
     * stores are in microseconds, the finest precision backends must keep.
     */
    protected static final Instant START = Instant.parse("2026-03-01T10:00:00.123456Z");
    private static final Instant START_SECOND = Instant.parse("2026-03-01T10:00:00Z");

    protected final ManualClock clock = new ManualClock(START);
    private final List<Datastore> opened = new ArrayList<>();
    /** The datastore under test, opened before each test. */
    protected Datastore store;

    /**
     * Opens a datastore on this test's storage. Storage is empty at the start of each test; every call
     * within one test opens the same storage again, as a restarted or a second server would. The contract
     * closes what it opens.
     */
    protected abstract Datastore newDatastore(Clock clock);

    /** Opens another datastore on the same storage, closed after the test. */
    protected final Datastore open() {
        Datastore d = newDatastore(clock);
        opened.add(d);
        return d;
    }

    @BeforeEach
    void openStore() {
        store = open();
    }

    @AfterEach
    void closeStores() {
        for (Datastore d : opened) {
            d.close();
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------

    protected static SpiffeId sid(String path) {
        return SpiffeId.parse("spiffe://example.org" + path);
    }

    protected static SortedSet<Selector> selectors(String... s) {
        TreeSet<Selector> out = new TreeSet<>();
        for (String x : s) {
            out.add(Selector.parse(x));
        }
        return out;
    }

    protected static Entry entry(String id, String path, Parent parent, String... selectors) {
        return new Entry(id, sid(path), parent, selectors(selectors), null, List.of(), "", 0, null);
    }

    protected static Parent agentParent(String path) {
        return new Parent.AgentId(sid(path));
    }

    protected static AgentRecord agent(String path, String... selectors) {
        return new AgentRecord(sid(path), "join_token", selectors(selectors), "0a1b", START.plusSeconds(3600), "", null,
                false, START_SECOND, null);
    }

    protected static TreeMap<String, String> labels(String... keysAndValues) {
        TreeMap<String, String> out = new TreeMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            out.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return out;
    }

    protected static List<String> hex(StoredBundle b) {
        return b.x509Authorities().stream().map(HexFormat.of()::formatHex).toList();
    }

    private static byte[] der(int n) {
        byte[] b = new byte[40 + n];
        Arrays.fill(b, (byte) n);
        b[0] = 0x30;
        return b;
    }

    private static String derHex(int n) {
        return HexFormat.of().formatHex(der(n));
    }

    // ---- entries --------------------------------------------------------------------------------------

    @Test
    void createAssignsRandomIdRevisionOneAndCreationTimeInWholeSeconds() {
        Entry created = store.entries().create(entry(null, "/web", agentParent("/agent/1"), "unix:uid:1000"));

        assertThat(UUID.fromString(created.id()).toString()).isEqualTo(created.id());
        assertThat(created.revision()).isEqualTo(1);
        assertThat(created.createdAt()).isEqualTo(START_SECOND);
        assertThat(created.spiffeId()).isEqualTo(sid("/web"));
        assertThat(store.entries().get(created.id())).contains(created);

        Entry other = store.entries().create(entry(null, "/db", agentParent("/agent/1"), "unix:uid:1000"));
        assertThat(other.id()).isNotEqualTo(created.id());
    }

    @Test
    void createKeepsAGivenIdButIgnoresGivenRevisionAndCreationTime() {
        Entry in = new Entry("my-id", sid("/web"), new Parent.AnyNode(), selectors("unix:uid:1"), null, List.of(), "", 7,
                Instant.parse("2020-01-01T00:00:00Z"));

        Entry created = store.entries().create(in);

        assertThat(created).isEqualTo(in.withId("my-id", 1, START_SECOND));
        assertThat(store.entries().get("my-id")).contains(created);
    }

    @Test
    void createWithAnExistingIdFails() {
        Entry first = store.entries().create(entry("e1", "/web", new Parent.AnyNode(), "unix:uid:1"));

        assertThatThrownBy(() -> store.entries().create(entry("e1", "/other", agentParent("/a"), "unix:uid:2")))
                .isInstanceOf(StoreException.AlreadyExists.class)
                .hasMessageContaining("e1");
        assertThat(store.entries().list()).containsExactly(first);
    }

    @Test
    void duplicateRegistrationIsRejectedWhateverTheOtherFields() {
        Entry first = store.entries().create(entry(null, "/web", agentParent("/agent/1"), "unix:uid:1000", "unix:gid:10"));
        // Same SPIFFE ID, parent and selector set; selectors given in another order, other fields differ.
        Entry dup = new Entry(null, sid("/web"), agentParent("/agent/1"), selectors("unix:gid:10", "unix:uid:1000"),
                Duration.ofMinutes(5), List.of("web.example.org"), "other hint", 0, null);

        assertThatThrownBy(() -> store.entries().create(dup))
                .isInstanceOf(StoreException.AlreadyExists.class)
                .hasMessageContaining(first.id());
        assertThatThrownBy(() -> store.entries().create(dup.withId("another-id", 0, null)))
                .isInstanceOf(StoreException.AlreadyExists.class);
        assertThat(store.entries().list()).containsExactly(first);
    }

    @Test
    void registrationsDifferingInSpiffeIdParentOrSelectorsAreNotDuplicates() {
        List<Entry> distinct = List.of(
                entry(null, "/web", agentParent("/agent/1"), "unix:uid:1000", "unix:gid:10"),
                entry(null, "/web", agentParent("/agent/1"), "unix:uid:1000"),
                entry(null, "/web", agentParent("/agent/1")),
                entry(null, "/web2", agentParent("/agent/1"), "unix:uid:1000", "unix:gid:10"),
                entry(null, "/web", agentParent("/agent/2"), "unix:uid:1000", "unix:gid:10"),
                entry(null, "/web", new Parent.AnyNode(), "unix:uid:1000", "unix:gid:10"),
                entry(null, "/web", new Parent.NodeSelectors(selectors("join_token:label:env:prod")), "unix:uid:1000", "unix:gid:10"),
                entry(null, "/web", new Parent.NodeSelectors(selectors("join_token:label:env:dev")), "unix:uid:1000", "unix:gid:10"),
                entry(null, "/web", new Parent.NodeSelectors(selectors("join_token:label:env:dev", "k8s:ns:a")), "unix:uid:1000",
                        "unix:gid:10"));
        for (Entry e : distinct) {
            store.entries().create(e);
        }
        assertThat(store.entries().list()).hasSize(distinct.size());

        for (Entry e : distinct) {
            assertThatThrownBy(() -> store.entries().create(e))
                    .as("duplicate of %s", e)
                    .isInstanceOf(StoreException.AlreadyExists.class);
        }
        assertThat(store.entries().list()).hasSize(distinct.size());
    }

    @Test
    void entriesWithEveryParentKindRoundTripExactly() {
        Entry byAgent = new Entry("a", sid("/web"), agentParent("/agent/node-1"), selectors("unix:uid:1000", "unix:gid:10"),
                null, List.of("web.example.org", "a.example.org", "WEB-2"), "web hint", 0, null);
        Entry byNodes = new Entry("b", sid("/db"), new Parent.NodeSelectors(selectors("join_token:label:env:prod", "k8s:ns:db")),
                selectors("k8s:sa:db"), Duration.ofHours(1), List.of("z.example.org", "db"), "", 0, null);
        Entry anyNode = new Entry("c", sid("/any"), new Parent.AnyNode(), selectors(), Duration.ZERO, List.of(), "h", 0, null);

        List<Entry> expected = new ArrayList<>();
        for (Entry e : List.of(byAgent, byNodes, anyNode)) {
            Entry created = store.entries().create(e);
            Entry want = e.withId(e.id(), 1, START_SECOND);
            assertThat(created).isEqualTo(want);
            assertThat(store.entries().get(e.id())).contains(want);
            expected.add(want);
        }
        Entry nodes = store.entries().get("b").orElseThrow();
        assertThat(nodes.parent()).isInstanceOf(Parent.NodeSelectors.class);
        assertThat(((Parent.NodeSelectors) nodes.parent()).selectors()).isEqualTo(selectors("k8s:ns:db", "join_token:label:env:prod"));
        assertThat(nodes.dnsNames()).containsExactly("z.example.org", "db");
        assertThat(store.entries().get("a").orElseThrow().x509Ttl()).isNull();
        assertThat(store.entries().get("c").orElseThrow().x509Ttl()).isEqualTo(Duration.ZERO);
        assertThat(store.entries().list()).containsExactlyElementsOf(expected);
    }

    @Test
    void getOfUnknownEntryIsEmpty() {
        assertThat(store.entries().get("nope")).isEmpty();
    }

    @Test
    void updateReplacesTheEntryKeepsCreationTimeAndBumpsRevision() {
        Entry created = store.entries().create(entry("e1", "/web", agentParent("/agent/1"), "unix:uid:1"));
        clock.advance(Duration.ofHours(1));

        Entry changed = new Entry("e1", sid("/web-v2"), new Parent.NodeSelectors(selectors("k8s:ns:web")),
                selectors("k8s:sa:web", "k8s:ns:web"), Duration.ofMinutes(30), List.of("b.example.org", "a.example.org"),
                "new hint", 99, Instant.parse("2030-01-01T00:00:00Z"));
        Entry updated = store.entries().update(changed);

        assertThat(updated).isEqualTo(changed.withId("e1", 2, created.createdAt()));
        assertThat(store.entries().get("e1")).contains(updated);

        Entry back = store.entries().update(created);
        assertThat(back).isEqualTo(created.withId("e1", 3, created.createdAt()));
        assertThat(store.entries().get("e1")).contains(back);
        assertThat(store.entries().get("e1").orElseThrow().dnsNames()).isEmpty();
    }

    @Test
    void updateOfAMissingEntryFailsAndCreatesNothing() {
        assertThatThrownBy(() -> store.entries().update(entry("ghost", "/web", new Parent.AnyNode())))
                .isInstanceOf(StoreException.NotFound.class)
                .hasMessageContaining("ghost");
        assertThatThrownBy(() -> store.entries().update(entry(null, "/web", new Parent.AnyNode())))
                .isInstanceOf(StoreException.NotFound.class);
        assertThat(store.entries().list()).isEmpty();
    }

    @Test
    void updateThatWouldDuplicateAnotherEntryFails() {
        Entry a = store.entries().create(entry("a", "/web", agentParent("/agent/1"), "unix:uid:1"));
        Entry b = store.entries().create(entry("b", "/web", agentParent("/agent/1"), "unix:uid:2"));

        assertThatThrownBy(() -> store.entries().update(entry("b", "/web", agentParent("/agent/1"), "unix:uid:1")))
                .isInstanceOf(StoreException.AlreadyExists.class)
                .hasMessageContaining("a");
        assertThat(store.entries().list()).containsExactly(a, b);

        // Updating an entry without changing its registration is not a duplicate of itself.
        Entry sameKey = new Entry("a", sid("/web"), agentParent("/agent/1"), selectors("unix:uid:1"), Duration.ofMinutes(1),
                List.of(), "changed", 0, null);
        assertThat(store.entries().update(sameKey).revision()).isEqualTo(2);
    }

    @Test
    void deleteRemovesTheEntryAndItsChildren() {
        store.entries().create(new Entry("e1", sid("/web"), new Parent.NodeSelectors(selectors("k8s:ns:a")),
                selectors("unix:uid:1"), null, List.of("x.example.org"), "", 0, null));
        Entry keep = store.entries().create(entry("e2", "/db", new Parent.AnyNode(), "unix:uid:2"));

        assertThat(store.entries().delete("e1")).isTrue();
        assertThat(store.entries().get("e1")).isEmpty();
        assertThat(store.entries().delete("e1")).isFalse();
        assertThat(store.entries().delete("never")).isFalse();
        assertThat(store.entries().list()).containsExactly(keep);

        // Re-creating the ID shows no selectors, node selectors or DNS names left behind.
        Entry again = store.entries().create(entry("e1", "/web", new Parent.AnyNode()));
        assertThat(store.entries().get("e1")).contains(again);
        assertThat(again.selectors()).isEmpty();
        assertThat(again.dnsNames()).isEmpty();
    }

    @Test
    void listsAreOrderedById() {
        for (String id : List.of("c", "a", "B", "b", "a-2")) {
            store.entries().create(entry(id, id.equals("b") ? "/x" : "/y", new Parent.AnyNode(), "unix:uid:" + id.hashCode()));
        }
        assertThat(store.entries().list()).extracting(Entry::id).containsExactly("B", "a", "a-2", "b", "c");
        assertThat(store.entries().listBySpiffeId(sid("/y"))).extracting(Entry::id).containsExactly("B", "a", "a-2", "c");
        assertThat(store.entries().listBySpiffeId(sid("/x"))).extracting(Entry::id).containsExactly("b");
        assertThat(store.entries().listBySpiffeId(sid("/none"))).isEmpty();
    }

    @Test
    void listBySpiffeIdReturnsCompleteEntries() {
        Entry e = store.entries().create(new Entry("z", sid("/web"), new Parent.NodeSelectors(selectors("k8s:ns:a")),
                selectors("unix:uid:1", "unix:gid:2"), Duration.ofSeconds(90), List.of("b", "a"), "hint", 0, null));
        store.entries().create(entry("m", "/other", new Parent.AnyNode(), "unix:uid:1"));

        assertThat(store.entries().listBySpiffeId(sid("/web"))).containsExactly(e);
    }

    // ---- change counter -------------------------------------------------------------------------------

    @Test
    void changeCounterRisesOnEveryEntryAgentAndBundleChangeOnly() {
        EntryStore entries = store.entries();
        AgentStore agents = store.agents();
        BundleStore bundles = store.bundles();
        List<Runnable> changes = List.of(
                () -> entries.create(entry("e1", "/web", new Parent.AnyNode(), "unix:uid:1")),
                () -> entries.update(entry("e1", "/web", new Parent.AnyNode(), "unix:uid:2")),
                () -> entries.delete("e1"),
                () -> agents.create(agent("/agent/1")),
                () -> agents.update(agent("/agent/1").asBanned()),
                () -> agents.delete(sid("/agent/1")),
                () -> bundles.addX509Authority(TD, der(1)),
                () -> bundles.addJwtAuthority(TD, new StoredJwtAuthority("k1", der(2), START.plusSeconds(60), "ES256")),
                () -> bundles.removeX509Authorities(TD, d -> true),
                () -> bundles.removeJwtAuthorities(TD, a -> true));
        long last = entries.changeCounter();
        for (Runnable change : changes) {
            change.run();
            long now = entries.changeCounter();
            assertThat(now).as("counter after a change").isGreaterThan(last);
            last = now;
        }

        entries.create(entry("e2", "/web", new Parent.AnyNode(), "unix:uid:1"));
        agents.create(agent("/agent/2"));
        bundles.addX509Authority(TD, der(3));
        bundles.addJwtAuthority(TD, new StoredJwtAuthority("k3", der(3), START.plusSeconds(60), "ES256"));
        long before = entries.changeCounter();
        // Adding what is there already changes nothing.
        bundles.addX509Authority(TD, der(3));
        bundles.addJwtAuthority(TD, new StoredJwtAuthority("k3", der(3), START.plusSeconds(60), "ES256"));
        List<Runnable> nonChanges = List.of(
                () -> entries.get("e2"),
                entries::list,
                () -> entries.listBySpiffeId(sid("/web")),
                () -> entries.delete("missing"),
                () -> agents.delete(sid("/agent/missing")),
                agents::list,
                () -> store.joinTokens().create(new JoinToken("tok-1", START.plusSeconds(60), null)),
                () -> store.joinTokens().consume("tok-1"),
                () -> store.joinTokens().pruneExpired(START),
                () -> bundles.removeX509Authorities(TD, d -> false),
                () -> bundles.removeJwtAuthorities(TD, a -> false),
                () -> bundles.removeX509Authorities(new TrustDomain("absent.org"), d -> true),
                () -> bundles.get(TD));
        for (Runnable r : nonChanges) {
            r.run();
        }
        assertThatThrownBy(() -> entries.create(entry("e2", "/x", new Parent.AnyNode())))
                .isInstanceOf(StoreException.AlreadyExists.class);
        assertThatThrownBy(() -> entries.create(entry(null, "/web", new Parent.AnyNode(), "unix:uid:1")))
                .isInstanceOf(StoreException.AlreadyExists.class);
        assertThatThrownBy(() -> entries.update(entry("missing", "/x", new Parent.AnyNode())))
                .isInstanceOf(StoreException.NotFound.class);
        assertThatThrownBy(() -> agents.create(agent("/agent/2"))).isInstanceOf(StoreException.AlreadyExists.class);
        assertThatThrownBy(() -> agents.update(agent("/agent/missing"))).isInstanceOf(StoreException.NotFound.class);
        assertThat(entries.changeCounter()).isEqualTo(before);
    }

    @Test
    void changeCounterShowsChangesCommittedByAnotherInstance() {
        Datastore other = open();
        long start = store.entries().changeCounter();
        assertThat(other.entries().changeCounter()).isEqualTo(start);

        other.entries().create(entry("e1", "/web", new Parent.AnyNode()));
        long afterEntry = store.entries().changeCounter();
        assertThat(afterEntry).isGreaterThan(start);
        assertThat(store.entries().get("e1")).isPresent();

        other.agents().create(agent("/agent/1"));
        assertThat(store.entries().changeCounter()).isGreaterThan(afterEntry);
        assertThat(store.agents().get(sid("/agent/1"))).isPresent();
    }

    @Test
    void onCommitReportsEachLocalCommitWithItsCounterRangeAndWhatChanged() throws Exception {
        List<EntryStore.Commit> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        AutoCloseable handle = store.entries().onCommit(seen::add);
        long start = store.entries().changeCounter();

        Entry created = store.entries().create(entry("e1", "/web", new Parent.AnyNode(), "unix:uid:1"));
        Entry updated = store.entries().update(entry("e1", "/web", agentParent("/agent/1"), "unix:uid:2"));
        store.entries().delete("e1");
        store.agents().create(agent("/agent/1", "k8s:node:n1"));
        store.bundles().addX509Authority(TD, der(7));
        // no change, no commit reported
        store.entries().delete("missing");
        store.joinTokens().create(new JoinToken("tok-c", START.plusSeconds(60), null));

        assertThat(seen).hasSize(5);
        assertThat(seen.get(0)).isEqualTo(new EntryStore.Commit(start, start + 1,
                List.of(new EntryStore.EntryChange("e1", created)), java.util.Set.of(), false));
        assertThat(seen.get(1)).isEqualTo(new EntryStore.Commit(start + 1, start + 2,
                List.of(new EntryStore.EntryChange("e1", updated)), java.util.Set.of(), false));
        assertThat(updated.revision()).isEqualTo(2);
        assertThat(seen.get(2)).isEqualTo(new EntryStore.Commit(start + 2, start + 3,
                List.of(new EntryStore.EntryChange("e1", null)), java.util.Set.of(), false));
        assertThat(seen.get(3)).isEqualTo(new EntryStore.Commit(start + 3, start + 4,
                List.of(), java.util.Set.of(sid("/agent/1")), false));
        assertThat(seen.get(4).counterBefore()).isEqualTo(start + 4);
        assertThat(seen.get(4).counterAfter()).isEqualTo(store.entries().changeCounter());
        assertThat(seen.get(4).entries()).isEmpty();
        assertThat(seen.get(4).other()).isTrue();

        // another instance's commits are not reported here; they show as a gap in the counter range
        Datastore other = open();
        other.entries().create(entry("e2", "/db", new Parent.AnyNode()));
        assertThat(seen).hasSize(5);
        store.entries().create(entry("e3", "/api", new Parent.AnyNode()));
        assertThat(seen).hasSize(6);
        assertThat(seen.get(5).counterBefore()).isGreaterThan(seen.get(4).counterAfter());

        handle.close();
        store.entries().delete("e3");
        assertThat(seen).hasSize(6);
    }

    @Test
    void onCommitReportsEveryEntryAServiceRegistrationWrites() throws Exception {
        List<EntryStore.Commit> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        store.entries().onCommit(seen::add);
        long start = store.entries().changeCounter();
        RegisteredService reg = store.services().register(service("web", List.of(), "unix:uid:1000", "unix:uid:1001"), TD);
        assertThat(seen).hasSize(1);
        EntryStore.Commit c = seen.get(0);
        assertThat(c.counterBefore()).isEqualTo(start);
        assertThat(c.counterAfter()).isEqualTo(store.entries().changeCounter());
        assertThat(c.other()).isTrue();
        assertThat(c.entries()).extracting(EntryStore.EntryChange::id).containsExactlyInAnyOrderElementsOf(reg.entryIds());
        for (EntryStore.EntryChange ch : c.entries()) {
            assertThat(store.entries().get(ch.id())).contains(ch.entry());
        }
    }

    @Test
    void listWithCounterMatchesListAndCounter() {
        store.entries().create(entry("b", "/b", new Parent.AnyNode()));
        store.entries().create(entry("a", "/a", agentParent("/agent/1")));
        EntryStore.Listing l = store.entries().listWithCounter();
        assertThat(l.entries()).isEqualTo(store.entries().list());
        assertThat(l.entries()).extracting(Entry::id).containsExactly("a", "b");
        assertThat(l.counter()).isEqualTo(store.entries().changeCounter());
    }

    // ---- change feed (watch) ---------------------------------------------------------------------------

    /** A listener that re-reads the change counter on every call, as real listeners re-read what they need. */
    private static class CounterWatcher implements Runnable {
        private final Datastore ds;
        final java.util.concurrent.atomic.AtomicLong seen = new java.util.concurrent.atomic.AtomicLong(Long.MIN_VALUE);
        final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicBoolean inCall = new java.util.concurrent.atomic.AtomicBoolean();
        final java.util.concurrent.atomic.AtomicBoolean overlapped = new java.util.concurrent.atomic.AtomicBoolean();

        CounterWatcher(Datastore ds) {
            this.ds = ds;
        }

        @Override
        public void run() {
            if (!inCall.compareAndSet(false, true)) {
                overlapped.set(true);
            }
            try {
                calls.incrementAndGet();
                seen.accumulateAndGet(ds.entries().changeCounter(), Math::max);
            } finally {
                inCall.set(false);
            }
        }

        /** Waits until a call has read a counter at least {@code value}: the listener ran after that commit. */
        void awaitSeen(long value, String what) {
            dev.signet.testing.Poll.until(WATCH_DEADLINE, "a watcher call after " + what, () -> seen.get() >= value);
        }
    }

    /** Generous for a loaded CI machine; the feed normally delivers in well under a second. */
    protected static final Duration WATCH_DEADLINE = Duration.ofSeconds(10);

    @Test
    void aWriteThroughAnotherInstanceReachesAWatcherOfEveryKindOfChange() throws Exception {
        Datastore other = open();
        CounterWatcher w = new CounterWatcher(store);
        try (AutoCloseable handle = store.watch(w)) {
            List<java.util.Map.Entry<String, Runnable>> changes = List.of(
                    Map.entry("an entry", () -> other.entries().create(entry("e1", "/web", new Parent.AnyNode(), "unix:uid:1"))),
                    Map.entry("an agent", () -> other.agents().create(agent("/agent/1"))),
                    Map.entry("an X.509 authority", () -> other.bundles().addX509Authority(TD, der(1))),
                    Map.entry("a JWT authority", () -> other.bundles().addJwtAuthority(TD,
                            new StoredJwtAuthority("kid", der(2), START.plusSeconds(60), "ES256"))),
                    Map.entry("a removed X.509 authority", () -> other.bundles().removeX509Authorities(TD, d -> true)),
                    Map.entry("a service", () -> other.services().register(
                            service("web", List.of(), "unix:uid:1000"), TD)),
                    Map.entry("an intention", () -> other.intentions().create(new dev.signet.core.intention.Intention(null,
                            dev.signet.core.intention.IntentionSource.parse("web"),
                            dev.signet.core.intention.IntentionDestination.parse("db"),
                            dev.signet.core.intention.Action.ALLOW, "", null, null))),
                    Map.entry("a deleted entry", () -> other.entries().delete("e1")));
            for (java.util.Map.Entry<String, Runnable> change : changes) {
                change.getValue().run();
                w.awaitSeen(other.entries().changeCounter(), change.getKey());
            }
        }
        assertThat(w.overlapped).as("calls to one listener overlapped").isFalse();
    }

    @Test
    void aWriteThroughTheSameInstanceReachesItsWatcher() throws Exception {
        CounterWatcher w = new CounterWatcher(store);
        try (AutoCloseable handle = store.watch(w)) {
            store.entries().create(entry("e1", "/web", new Parent.AnyNode(), "unix:uid:1"));
            w.awaitSeen(store.entries().changeCounter(), "a local entry");
        }
    }

    @Test
    void callsToOneListenerAreNeverConcurrentAndAClosedHandleGetsNoMoreCalls() throws Exception {
        Datastore other = open();
        CounterWatcher slow = new CounterWatcher(store) {
            @Override
            public void run() {
                super.run();
                store.entries().list(); // some work while more changes arrive
            }
        };
        CounterWatcher closedOne = new CounterWatcher(store);
        AutoCloseable closedHandle = store.watch(closedOne);
        try (AutoCloseable handle = store.watch(slow)) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<?>> writers = new ArrayList<>();
                for (Datastore ds : List.of(store, other)) {
                    writers.add(pool.submit(() -> {
                        for (int i = 0; i < 15; i++) {
                            ds.agents().create(agent("/agent/" + UUID.randomUUID()));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : writers) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            slow.awaitSeen(store.entries().changeCounter(), "30 agents from two instances");
            closedOne.awaitSeen(store.entries().changeCounter(), "30 agents from two instances");
            closedHandle.close();
            closedHandle.close();
            int callsAtClose = closedOne.calls.get();
            // Two more rounds that the still-open listener hears of; the closed one must hear of neither.
            for (int round = 0; round < 2; round++) {
                other.agents().create(agent("/agent/after-close-" + round));
                slow.awaitSeen(other.entries().changeCounter(), "a change after closing the other handle");
            }
            // A call that was already running when the handle closed may finish; none may start later.
            assertThat(closedOne.calls.get()).isLessThanOrEqualTo(callsAtClose + 1);
        }
        assertThat(slow.overlapped).as("calls to one listener overlapped").isFalse();
        assertThat(closedOne.overlapped).isFalse();
    }

    @Test
    void joinTokenWritesDoNotRaiseTheChangeCounter() {
        long before = store.entries().changeCounter();
        store.joinTokens().create(new JoinToken("tok", START.plusSeconds(60), labels("a", "b")));
        store.joinTokens().consume("tok");
        store.joinTokens().create(new JoinToken("old", START.minusSeconds(60), null));
        assertThat(store.joinTokens().pruneExpired(START)).isEqualTo(1);
        assertThat(store.entries().changeCounter()).isEqualTo(before);
    }

    // ---- agents ---------------------------------------------------------------------------------------

    @Test
    void agentsRoundTripEveryField() {
        AgentRecord full = new AgentRecord(sid("/agent/full"), "join_token", selectors("join_token:label:env:prod", "join_token:id:x"),
                "0a1b2c", Instant.parse("2026-03-02T10:00:00Z"), "0d0e0f", Instant.parse("2026-03-03T10:00:00.5Z"), false,
                Instant.parse("2026-03-01T09:00:00Z"), Instant.parse("2026-03-01T09:30:00.250Z"));
        AgentRecord minimal = new AgentRecord(sid("/agent/min"), "x509pop", null, null, null, null, null, true, START_SECOND, null);

        store.agents().create(full);
        store.agents().create(minimal);

        assertThat(store.agents().get(full.id())).contains(full);
        assertThat(store.agents().get(minimal.id())).contains(minimal);
        AgentRecord readBack = store.agents().get(minimal.id()).orElseThrow();
        assertThat(readBack.certSerial()).isEmpty();
        assertThat(readBack.certNotAfter()).isNull();
        assertThat(readBack.banned()).isTrue();
        assertThat(store.agents().get(sid("/agent/none"))).isEmpty();
    }

    @Test
    void creatingAnExistingAgentFails() {
        AgentRecord a = agent("/agent/1", "k:v");
        store.agents().create(a);

        assertThatThrownBy(() -> store.agents().create(agent("/agent/1", "k:other")))
                .isInstanceOf(StoreException.AlreadyExists.class)
                .hasMessageContaining("/agent/1");
        assertThat(store.agents().get(a.id())).contains(a);
    }

    @Test
    void agentUpdatesRoundTripRotationSightingsBanAndSelectors() {
        AgentRecord a = agent("/agent/1", "join_token:label:env:prod");
        store.agents().create(a);

        AgentRecord rotating = a.withNewCert("ff01", START.plusSeconds(7200));
        store.agents().update(rotating);
        assertThat(store.agents().get(a.id())).contains(rotating);

        AgentRecord rotated = rotating.withCurrentCert("ff01", START.plusSeconds(7200));
        store.agents().update(rotated);
        assertThat(store.agents().get(a.id())).contains(rotated);

        AgentRecord seen = rotated.seenAt(Instant.parse("2026-03-01T11:00:00Z"));
        store.agents().update(seen);
        assertThat(store.agents().get(a.id())).contains(seen);

        AgentRecord reselected = new AgentRecord(a.id(), "join_token", selectors("k8s:node:n1"), seen.certSerial(),
                seen.certNotAfter(), "", null, false, seen.createdAt(), seen.lastSeen());
        store.agents().update(reselected);
        assertThat(store.agents().get(a.id()).orElseThrow().selectors()).isEqualTo(selectors("k8s:node:n1"));

        AgentRecord banned = reselected.withNewCert("ff02", START.plusSeconds(9000)).asBanned();
        store.agents().update(banned);
        AgentRecord stored = store.agents().get(a.id()).orElseThrow();
        assertThat(stored).isEqualTo(banned);
        assertThat(stored.banned()).isTrue();
        assertThat(stored.certSerial()).isEmpty();
        assertThat(stored.newCertSerial()).isEmpty();
        assertThat(stored.newCertNotAfter()).isNull();
        assertThat(stored.certNotAfter()).isEqualTo(START.plusSeconds(7200));
    }

    @Test
    void aBanIsNeverLiftedByAWriteBasedOnAnEarlierRead() {
        AgentRecord a = agent("/agent/1", "join_token:label:env:prod").withNewCert("ff01", START.plusSeconds(7200));
        store.agents().create(a);
        AgentRecord readBeforeTheBan = store.agents().get(a.id()).orElseThrow();
        store.agents().update(readBeforeTheBan.asBanned()); // e.g. another server bans it

        // this server promotes the certificate it read before the ban and writes the record back
        AgentRecord promoted = readBeforeTheBan.withCurrentCert("ff01", START.plusSeconds(7200)).seenAt(START.plusSeconds(60));
        assertThatThrownBy(() -> store.agents().update(promoted))
                .isInstanceOf(StoreException.Conflict.class)
                .hasMessageContaining("/agent/1").hasMessageContaining("banned");

        AgentRecord stored = store.agents().get(a.id()).orElseThrow();
        assertThat(stored.banned()).isTrue();
        assertThat(stored.certSerial()).isEmpty();
        store.agents().update(stored.seenAt(START.plusSeconds(120)).asBanned()); // banned stays updatable as banned
        assertThat(store.agents().get(a.id()).orElseThrow().lastSeen()).isEqualTo(START.plusSeconds(120));
    }

    @Test
    void updatingAMissingAgentFailsAndCreatesNothing() {
        assertThatThrownBy(() -> store.agents().update(agent("/agent/ghost")))
                .isInstanceOf(StoreException.NotFound.class)
                .hasMessageContaining("/agent/ghost");
        assertThat(store.agents().list()).isEmpty();
    }

    @Test
    void deletingAnAgentRemovesItAndItsSelectors() {
        store.agents().create(agent("/agent/1", "a:1", "b:2"));
        AgentRecord other = agent("/agent/2", "a:1");
        store.agents().create(other);

        assertThat(store.agents().delete(sid("/agent/1"))).isTrue();
        assertThat(store.agents().delete(sid("/agent/1"))).isFalse();
        assertThat(store.agents().get(sid("/agent/1"))).isEmpty();
        assertThat(store.agents().list()).containsExactly(other);

        AgentRecord again = agent("/agent/1");
        store.agents().create(again);
        assertThat(store.agents().get(sid("/agent/1"))).contains(again);
    }

    @Test
    void agentsAreListedById() {
        List<String> ids = List.of("spiffe://example.org/agent/b", "spiffe://example.org/agent/A", "spiffe://a.example.org/x",
                "spiffe://example.org/agent/a", "spiffe://example.org/agent/a/b");
        for (String id : ids) {
            store.agents().create(new AgentRecord(SpiffeId.parse(id), "t", null, null, null, null, null, false, START_SECOND, null));
        }
        assertThat(store.agents().list()).extracting(a -> a.id().toString()).containsExactly(
                "spiffe://a.example.org/x", "spiffe://example.org/agent/A", "spiffe://example.org/agent/a",
                "spiffe://example.org/agent/a/b", "spiffe://example.org/agent/b");
    }

    // ---- join tokens ----------------------------------------------------------------------------------

    @Test
    void aJoinTokenIsConsumedExactlyOnceWithItsLabels() {
        JoinToken t = new JoinToken("secret-token-1", START.plusSeconds(600), new TreeMap<>(labels("env", "prod", "zone", "eu-1")));
        store.joinTokens().create(t);

        Optional<JoinToken> got = store.joinTokens().consume("secret-token-1");
        assertThat(got).contains(t);
        assertThat(got.orElseThrow().labels()).containsExactly(Map.entry("env", "prod"), Map.entry("zone", "eu-1"));
        assertThat(store.joinTokens().consume("secret-token-1")).isEmpty();
    }

    @Test
    void aJoinTokenWithoutLabelsRoundTrips() {
        JoinToken t = new JoinToken("plain", START.plusSeconds(5), null);
        store.joinTokens().create(t);
        assertThat(store.joinTokens().consume("plain")).contains(t);
    }

    @Test
    void creatingAnExistingJoinTokenFailsWithoutRevealingIt() {
        store.joinTokens().create(new JoinToken("abcd-very-secret", START.plusSeconds(60), labels("a", "1")));

        assertThatThrownBy(() -> store.joinTokens().create(new JoinToken("abcd-very-secret", START.plusSeconds(99), labels())))
                .isInstanceOf(StoreException.AlreadyExists.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("very-secret"));
        assertThat(store.joinTokens().consume("abcd-very-secret"))
                .contains(new JoinToken("abcd-very-secret", START.plusSeconds(60), labels("a", "1")));
    }

    @Test
    void consumingAnUnknownTokenIsEmptyAndAnExpiredOneIsStillRemovedAndReturned() {
        assertThat(store.joinTokens().consume("unknown")).isEmpty();

        JoinToken expired = new JoinToken("old", START.minusSeconds(60), labels("k", "v"));
        store.joinTokens().create(expired);
        assertThat(store.joinTokens().consume("old")).contains(expired);
        assertThat(store.joinTokens().consume("old")).isEmpty();
    }

    @Test
    void pruneExpiredDeletesOnlyTokensThatExpiredBeforeNow() {
        Instant now = START;
        store.joinTokens().create(new JoinToken("t1", now.minus(Duration.ofHours(1)), labels("a", "1")));
        store.joinTokens().create(new JoinToken("t2", now.minusSeconds(1), null));
        store.joinTokens().create(new JoinToken("t3", now, labels("b", "2")));
        store.joinTokens().create(new JoinToken("t4", now.plus(Duration.ofHours(1)), null));

        assertThat(store.joinTokens().pruneExpired(now)).isEqualTo(2);
        assertThat(store.joinTokens().pruneExpired(now)).isZero();

        assertThat(store.joinTokens().consume("t1")).isEmpty();
        assertThat(store.joinTokens().consume("t2")).isEmpty();
        assertThat(store.joinTokens().consume("t3")).contains(new JoinToken("t3", now, labels("b", "2")));
        assertThat(store.joinTokens().consume("t4")).isPresent();
        // A pruned token's ID can be issued again: nothing of it is left behind.
        store.joinTokens().create(new JoinToken("t1", now.plusSeconds(1), labels("c", "3")));
        assertThat(store.joinTokens().consume("t1")).contains(new JoinToken("t1", now.plusSeconds(1), labels("c", "3")));
    }

    @Test
    void concurrentConsumersOfOneTokenHaveExactlyOneWinner() throws Exception {
        Datastore second = open();
        int threads = 8;
        int rounds = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < rounds; round++) {
                String token = "race-" + round;
                JoinToken t = new JoinToken(token, START.plusSeconds(60), labels("round", Integer.toString(round)));
                store.joinTokens().create(t);
                CyclicBarrier barrier = new CyclicBarrier(threads);
                List<Future<Optional<JoinToken>>> results = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    Datastore ds = i % 2 == 0 ? store : second;
                    Callable<Optional<JoinToken>> consume = () -> {
                        barrier.await(30, TimeUnit.SECONDS);
                        return ds.joinTokens().consume(token);
                    };
                    results.add(pool.submit(consume));
                }
                List<JoinToken> winners = new ArrayList<>();
                for (Future<Optional<JoinToken>> f : results) {
                    f.get(60, TimeUnit.SECONDS).ifPresent(winners::add);
                }
                assertThat(winners).as("winners of round %d", round).containsExactly(t);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- bundles --------------------------------------------------------------------------------------

    @Test
    void aMissingBundleIsEmpty() {
        assertThat(store.bundles().get(TD)).isEmpty();
    }

    @Test
    void addingAuthoritiesKeepsInsertionOrderAndRaisesTheSequenceOnlyOnChange() {
        StoredBundle b1 = store.bundles().addX509Authority(TD, der(3));
        assertThat(b1.trustDomain()).isEqualTo(TD);
        assertThat(hex(b1)).containsExactly(derHex(3));
        long s1 = b1.sequence();
        assertThat(s1).isPositive();

        StoredBundle same = store.bundles().addX509Authority(TD, der(3));
        assertThat(same.sequence()).isEqualTo(s1);
        assertThat(hex(same)).containsExactly(derHex(3));

        StoredBundle b2 = store.bundles().addX509Authority(TD, der(1));
        StoredBundle b3 = store.bundles().addX509Authority(TD, der(2));
        assertThat(b2.sequence()).isGreaterThan(s1);
        assertThat(b3.sequence()).isGreaterThan(b2.sequence());
        assertThat(hex(b3)).containsExactly(derHex(3), derHex(1), derHex(2));

        StoredBundle got = store.bundles().get(TD).orElseThrow();
        assertThat(hex(got)).isEqualTo(hex(b3));
        assertThat(got.sequence()).isEqualTo(b3.sequence());
        assertThat(store.bundles().addX509Authority(TD, der(1)).sequence()).isEqualTo(b3.sequence());
    }

    @Test
    void removingAuthoritiesKeepsTheOthersInOrderAndRaisesTheSequenceOnlyOnChange() {
        for (int i = 1; i <= 4; i++) {
            store.bundles().addX509Authority(TD, der(i));
        }
        long s = store.bundles().get(TD).orElseThrow().sequence();
        List<String> seen = new ArrayList<>();

        StoredBundle afterRemove = store.bundles().removeX509Authorities(TD, d -> {
            seen.add(HexFormat.of().formatHex(d));
            return d.length == der(2).length || d.length == der(3).length;
        });
        assertThat(seen).containsExactly(derHex(1), derHex(2), derHex(3), derHex(4));
        assertThat(hex(afterRemove)).containsExactly(derHex(1), derHex(4));
        assertThat(afterRemove.sequence()).isGreaterThan(s);
        assertThat(hex(store.bundles().get(TD).orElseThrow())).containsExactly(derHex(1), derHex(4));

        StoredBundle noop = store.bundles().removeX509Authorities(TD, d -> false);
        assertThat(noop.sequence()).isEqualTo(afterRemove.sequence());
        assertThat(hex(noop)).containsExactly(derHex(1), derHex(4));

        StoredBundle appended = store.bundles().addX509Authority(TD, der(2));
        assertThat(hex(appended)).containsExactly(derHex(1), derHex(4), derHex(2));

        StoredBundle empty = store.bundles().removeX509Authorities(TD, d -> true);
        assertThat(empty.x509Authorities()).isEmpty();
        assertThat(empty.sequence()).isGreaterThan(appended.sequence());
        StoredBundle stillThere = store.bundles().get(TD).orElseThrow();
        assertThat(stillThere.x509Authorities()).isEmpty();
        assertThat(stillThere.sequence()).isEqualTo(empty.sequence());

        StoredBundle refilled = store.bundles().addX509Authority(TD, der(5));
        assertThat(refilled.sequence()).isGreaterThan(empty.sequence());
        assertThat(hex(refilled)).containsExactly(derHex(5));
    }

    @Test
    void removingFromAMissingBundleChangesNothing() {
        StoredBundle b = store.bundles().removeX509Authorities(TD, d -> true);
        assertThat(b.trustDomain()).isEqualTo(TD);
        assertThat(b.x509Authorities()).isEmpty();
        assertThat(b.sequence()).isZero();
        assertThat(store.bundles().get(TD)).isEmpty();
    }

    @Test
    void bundlesOfDifferentTrustDomainsAreIndependent() {
        TrustDomain other = new TrustDomain("other.example");
        store.bundles().addX509Authority(TD, der(1));
        store.bundles().addX509Authority(TD, der(2));
        store.bundles().addX509Authority(other, der(2));

        assertThat(store.bundles().removeX509Authorities(other, d -> true).x509Authorities()).isEmpty();
        assertThat(hex(store.bundles().get(TD).orElseThrow())).containsExactly(derHex(1), derHex(2));
    }

    @Test
    void storedAuthoritiesAreNotAliasedToCallerArrays() {
        byte[] mine = der(7);
        StoredBundle b = store.bundles().addX509Authority(TD, mine);
        mine[5] = 0;
        b.x509Authorities().get(0)[6] = 0;
        store.bundles().removeX509Authorities(TD, d -> {
            d[7] = 0;
            return false;
        });
        assertThat(hex(store.bundles().get(TD).orElseThrow())).containsExactly(derHex(7));
    }

    @Test
    void concurrentBundleChangesFromTwoInstancesAreAllKept() throws Exception {
        Datastore second = open();
        int threads = 4;
        int perThread = 10;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CyclicBarrier barrier = new CyclicBarrier(threads);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Datastore ds = t % 2 == 0 ? store : second;
                int base = t * perThread;
                futures.add(pool.submit(() -> {
                    barrier.await(30, TimeUnit.SECONDS);
                    for (int i = 0; i < perThread; i++) {
                        ds.bundles().addX509Authority(TD, der(base + i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        StoredBundle b = store.bundles().get(TD).orElseThrow();
        assertThat(b.x509Authorities()).hasSize(threads * perThread);
        // The first add gives a positive sequence and each later add raises it.
        assertThat(b.sequence()).isGreaterThanOrEqualTo(threads * perThread);
    }

    // ---- JWT authorities --------------------------------------------------------------------------------

    private static StoredJwtAuthority jwtKey(String kid, int n, Instant expires) {
        return new StoredJwtAuthority(kid, der(n), expires, "ES256");
    }

    @Test
    void jwtAuthoritiesShareTheBundleSequenceWithX509Authorities() {
        StoredJwtAuthority k1 = jwtKey("kid-1", 1, START.plusSeconds(3600));
        StoredBundle b1 = store.bundles().addJwtAuthority(TD, k1);
        assertThat(b1.trustDomain()).isEqualTo(TD);
        assertThat(b1.jwtAuthorities()).containsExactly(k1);
        assertThat(b1.x509Authorities()).isEmpty();
        assertThat(b1.sequence()).isPositive();

        StoredBundle b2 = store.bundles().addX509Authority(TD, der(9));
        assertThat(b2.sequence()).isGreaterThan(b1.sequence());
        assertThat(b2.jwtAuthorities()).containsExactly(k1);

        StoredJwtAuthority k2 = new StoredJwtAuthority("kid-2", der(2), START.plusSeconds(7200), null);
        StoredBundle b3 = store.bundles().addJwtAuthority(TD, k2);
        assertThat(b3.sequence()).isGreaterThan(b2.sequence());
        assertThat(b3.jwtAuthorities()).containsExactly(k1, k2);
        assertThat(hex(b3)).containsExactly(derHex(9));

        StoredBundle got = store.bundles().get(TD).orElseThrow();
        assertThat(got.jwtAuthorities()).containsExactly(k1, k2);
        assertThat(got.jwtAuthorities().get(1).algorithm()).isNull();
        assertThat(got.sequence()).isEqualTo(b3.sequence());

        // X.509 removals keep the JWT authorities, and the other way round.
        StoredBundle noX509 = store.bundles().removeX509Authorities(TD, d -> true);
        assertThat(noX509.jwtAuthorities()).containsExactly(k1, k2);
        assertThat(noX509.sequence()).isGreaterThan(b3.sequence());
        store.bundles().addX509Authority(TD, der(8));
        StoredBundle noJwt = store.bundles().removeJwtAuthorities(TD, a -> true);
        assertThat(noJwt.jwtAuthorities()).isEmpty();
        assertThat(hex(noJwt)).containsExactly(derHex(8));
    }

    @Test
    void addingAnEqualJwtAuthorityChangesNothingAndAKeyIdIsNeverReusedForAnotherKey() {
        Instant expires = START.plusSeconds(3600).plusNanos(789); // stored to the microsecond
        StoredBundle b1 = store.bundles().addJwtAuthority(TD, jwtKey("kid-1", 1, expires));

        StoredBundle same = store.bundles().addJwtAuthority(TD, jwtKey("kid-1", 1, expires));
        assertThat(same.sequence()).isEqualTo(b1.sequence());
        assertThat(same.jwtAuthorities()).hasSize(1);
        assertThat(same.jwtAuthorities().get(0).expiresAt()).isEqualTo(expires.truncatedTo(java.time.temporal.ChronoUnit.MICROS));

        assertThatThrownBy(() -> store.bundles().addJwtAuthority(TD, jwtKey("kid-1", 2, expires)))
                .isInstanceOf(StoreException.AlreadyExists.class)
                .hasMessageContaining("kid-1");
        assertThatThrownBy(() -> store.bundles().addJwtAuthority(TD, jwtKey("kid-1", 1, expires.plusSeconds(1))))
                .isInstanceOf(StoreException.AlreadyExists.class);
        assertThat(store.bundles().get(TD).orElseThrow().sequence()).isEqualTo(b1.sequence());
        assertThat(store.bundles().get(TD).orElseThrow().jwtAuthorities()).containsExactly(b1.jwtAuthorities().get(0));
    }

    @Test
    void removingJwtAuthoritiesKeepsTheOthersInOrderAndRaisesTheSequenceOnlyOnChange() {
        for (int i = 1; i <= 4; i++) {
            store.bundles().addJwtAuthority(TD, jwtKey("k" + i, i, START.plusSeconds(i * 100L)));
        }
        long s = store.bundles().get(TD).orElseThrow().sequence();
        List<String> seen = new ArrayList<>();

        StoredBundle after = store.bundles().removeJwtAuthorities(TD, a -> {
            seen.add(a.keyId());
            return a.expiresAt().isBefore(START.plusSeconds(250));
        });
        assertThat(seen).containsExactly("k1", "k2", "k3", "k4");
        assertThat(after.jwtAuthorities()).extracting(StoredJwtAuthority::keyId).containsExactly("k3", "k4");
        assertThat(after.sequence()).isGreaterThan(s);

        StoredBundle noop = store.bundles().removeJwtAuthorities(TD, a -> false);
        assertThat(noop.sequence()).isEqualTo(after.sequence());

        StoredBundle appended = store.bundles().addJwtAuthority(TD, jwtKey("k1", 1, START.plusSeconds(100)));
        assertThat(appended.jwtAuthorities()).extracting(StoredJwtAuthority::keyId).containsExactly("k3", "k4", "k1");
        assertThat(store.bundles().get(TD).orElseThrow().jwtAuthorities()).isEqualTo(appended.jwtAuthorities());
    }

    @Test
    void removingJwtAuthoritiesFromAMissingBundleChangesNothing() {
        StoredBundle b = store.bundles().removeJwtAuthorities(TD, a -> true);
        assertThat(b.jwtAuthorities()).isEmpty();
        assertThat(b.sequence()).isZero();
        assertThat(store.bundles().get(TD)).isEmpty();
    }

    @Test
    void storedJwtKeysAreNotAliasedToCallerArrays() {
        byte[] mine = der(7);
        StoredBundle b = store.bundles().addJwtAuthority(TD, new StoredJwtAuthority("k", mine, START, "RS256"));
        mine[5] = 0;
        b.jwtAuthorities().get(0).publicKey()[6] = 0;
        store.bundles().removeJwtAuthorities(TD, a -> {
            a.publicKey()[7] = 0;
            return false;
        });
        assertThat(HexFormat.of().formatHex(store.bundles().get(TD).orElseThrow().jwtAuthorities().get(0).publicKey()))
                .isEqualTo(derHex(7));
    }

    @Test
    void entryJwtTtlRoundTripsAndNullMeansTheServerDefault() {
        Entry withTtl = entry("j1", "/web", new Parent.AnyNode(), "unix:uid:1").withJwtTtl(Duration.ofSeconds(90));
        Entry without = entry("j2", "/db", new Parent.AnyNode(), "unix:uid:2");

        Entry created = store.entries().create(withTtl);
        store.entries().create(without);

        assertThat(created.jwtTtl()).isEqualTo(Duration.ofSeconds(90));
        assertThat(store.entries().get("j1").orElseThrow().jwtTtl()).isEqualTo(Duration.ofSeconds(90));
        assertThat(store.entries().get("j2").orElseThrow().jwtTtl()).isNull();

        Entry updated = store.entries().update(created.withJwtTtl(Duration.ofMinutes(30)));
        assertThat(store.entries().get("j1")).contains(updated);
        assertThat(updated.jwtTtl()).isEqualTo(Duration.ofMinutes(30));
        assertThat(store.entries().update(updated.withJwtTtl(null)).jwtTtl()).isNull();
        assertThat(store.entries().get("j1").orElseThrow().jwtTtl()).isNull();
        assertThat(store.entries().listBySpiffeId(sid("/web"))).extracting(Entry::jwtTtl).containsOnlyNulls();
    }

    // ---- whole store ----------------------------------------------------------------------------------

    @Test
    void everythingSurvivesCloseAndReopen() {
        Entry e1 = store.entries().create(new Entry("a", sid("/web"), agentParent("/agent/1"), selectors("unix:uid:1"),
                Duration.ofMinutes(10), List.of("b.example", "a.example"), "hint", 0, null));
        Entry e2 = store.entries().create(new Entry("b", sid("/db"), new Parent.NodeSelectors(selectors("k8s:ns:x", "k8s:ns:y")),
                selectors(), null, List.of(), "", 0, null));
        Entry e3 = store.entries().create(entry("c", "/any", new Parent.AnyNode(), "k8s:sa:any"));
        clock.advance(Duration.ofMinutes(1));
        e1 = store.entries().update(e1);
        AgentRecord agent = agent("/agent/1", "join_token:label:env:prod").withNewCert("beef", START.plusSeconds(99));
        store.agents().create(agent);
        JoinToken token = new JoinToken("durable", START.plusSeconds(3600), labels("env", "prod"));
        store.joinTokens().create(token);
        store.bundles().addX509Authority(TD, der(1));
        store.bundles().addJwtAuthority(TD, new StoredJwtAuthority("kid", der(3), START.plusSeconds(60), "PS256"));
        StoredBundle bundle = store.bundles().addX509Authority(TD, der(2));
        Entry e4 = store.entries().create(entry("d", "/jwt", new Parent.AnyNode(), "k8s:sa:jwt").withJwtTtl(Duration.ofMinutes(2)));
        long counter = store.entries().changeCounter();

        store.close();
        Datastore reopened = open();

        assertThat(reopened.entries().list()).containsExactly(e1, e2, e3, e4);
        assertThat(reopened.entries().get("a").orElseThrow().revision()).isEqualTo(2);
        assertThat(reopened.agents().list()).containsExactly(agent);
        assertThat(reopened.entries().changeCounter()).isEqualTo(counter);
        StoredBundle b = reopened.bundles().get(TD).orElseThrow();
        assertThat(hex(b)).isEqualTo(hex(bundle));
        assertThat(b.sequence()).isEqualTo(bundle.sequence());
        assertThat(b.jwtAuthorities()).isEqualTo(bundle.jwtAuthorities());
        assertThat(reopened.joinTokens().consume("durable")).contains(token);
        assertThatThrownBy(() -> reopened.entries().create(entry(null, "/any", new Parent.AnyNode(), "k8s:sa:any")))
                .isInstanceOf(StoreException.AlreadyExists.class);
    }

    @Test
    void aClosedStoreFailsWithAStoreExceptionAndCloseIsIdempotent() {
        store.entries().create(entry("e", "/web", new Parent.AnyNode()));
        store.close();
        store.close();

        assertThatThrownBy(() -> store.entries().list()).isInstanceOf(StoreException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> store.agents().create(agent("/agent/1"))).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.joinTokens().consume("x")).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.bundles().get(TD)).isInstanceOf(StoreException.class);
    }

    @Test
    void concurrentWritersAndReadersSeeEveryChange() throws Exception {
        Datastore second = open();
        int threads = 4;
        int perThread = 25;
        long start = store.entries().changeCounter();
        ExecutorService pool = Executors.newFixedThreadPool(threads * 2);
        try {
            CyclicBarrier barrier = new CyclicBarrier(threads * 2);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Datastore ds = t % 2 == 0 ? store : second;
                int n = t;
                futures.add(pool.submit(() -> {
                    barrier.await(30, TimeUnit.SECONDS);
                    for (int i = 0; i < perThread; i++) {
                        ds.entries().create(entry(null, "/w/" + n + "/" + i, new Parent.AnyNode(), "unix:uid:" + i));
                    }
                    return null;
                }));
                futures.add(pool.submit(() -> {
                    barrier.await(30, TimeUnit.SECONDS);
                    long last = Long.MIN_VALUE;
                    for (int i = 0; i < perThread; i++) {
                        long c = ds.entries().changeCounter();
                        assertThat(c).isGreaterThanOrEqualTo(last);
                        last = c;
                        assertThat(ds.entries().list()).allSatisfy(e -> assertThat(e.revision()).isEqualTo(1));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.entries().list()).hasSize(threads * perThread);
        // Strictly rising on each of the creates: at least one step per create.
        assertThat(second.entries().changeCounter()).isGreaterThanOrEqualTo(start + threads * perThread);
    }

    // ---- services (catalog) ----------------------------------------------------------------------------

    private static dev.signet.core.catalog.ServiceDefinition service(String name, List<String> nodeSelectors, String... sets) {
        List<SortedSet<Selector>> alternatives = new ArrayList<>();
        for (String set : sets) {
            SortedSet<Selector> s = new TreeSet<>();
            for (String sel : set.split(",")) {
                s.add(Selector.parse(sel));
            }
            alternatives.add(s);
        }
        SortedSet<Selector> nodes = new TreeSet<>();
        nodeSelectors.forEach(n -> nodes.add(Selector.parse(n)));
        return new dev.signet.core.catalog.ServiceDefinition(name, null, null, null, List.of("v1"), Map.of("team", "a"), 8080,
                alternatives, nodes, Duration.ofMinutes(30), null, List.of("web.example.org"), "").validate();
    }

    @Test
    void serviceRegistrationMaterializesManagedEntries() {
        var def = service("web", List.of("join_token:label:env:prod"), "unix:uid:1000", "unix:uid:1001,unix:gid:5");
        long before = store.entries().changeCounter();
        RegisteredService reg = store.services().register(def, TD);

        assertThat(reg.spiffeId()).hasToString("spiffe://example.org/ns/default/dc/dc1/svc/web");
        assertThat(reg.entryIds()).containsExactly("svc.default.default.dc1.web.0", "svc.default.default.dc1.web.1");
        assertThat(reg.revision()).isEqualTo(1);
        assertThat(store.entries().changeCounter()).isGreaterThan(before);
        assertThat(store.services().get(def.key())).contains(reg);
        assertThat(store.services().list()).containsExactly(reg);

        Entry e1 = store.entries().get("svc.default.default.dc1.web.1").orElseThrow();
        assertThat(e1.spiffeId()).isEqualTo(reg.spiffeId());
        assertThat(e1.parent()).isEqualTo(new Parent.NodeSelectors(new TreeSet<>(List.of(Selector.parse("join_token:label:env:prod")))));
        assertThat(e1.selectors()).containsExactly(Selector.parse("unix:gid:5"), Selector.parse("unix:uid:1001"));
        assertThat(e1.x509Ttl()).isEqualTo(Duration.ofMinutes(30));
        assertThat(e1.dnsNames()).containsExactly("web.example.org");
        assertThat(e1.revision()).isEqualTo(1);
        assertThat(store.services().managingService(e1.id())).contains(def.key());
        assertThat(store.services().managingService("someone-else")).isEmpty();

        // Another server on the same storage sees it all.
        assertThat(open().services().get(def.key())).contains(reg);
    }

    @Test
    void reRegisteringUpdatesInPlaceAndRemovesSurplusEntries() {
        store.services().register(service("web", List.of(), "unix:uid:1000", "unix:uid:1001", "unix:uid:1002"), TD);
        clock.advance(Duration.ofMinutes(1));

        RegisteredService again = store.services().register(service("web", List.of(), "unix:uid:1000", "unix:uid:2000"), TD);
        assertThat(again.revision()).isEqualTo(2);
        assertThat(again.entryIds()).containsExactly("svc.default.default.dc1.web.0", "svc.default.default.dc1.web.1");
        assertThat(again.updatedAt()).isAfter(again.createdAt());

        Entry unchanged = store.entries().get("svc.default.default.dc1.web.0").orElseThrow();
        assertThat(unchanged.revision()).as("an unchanged entry is not rewritten").isEqualTo(1);
        Entry changed = store.entries().get("svc.default.default.dc1.web.1").orElseThrow();
        assertThat(changed.revision()).isEqualTo(2);
        assertThat(changed.selectors()).containsExactly(Selector.parse("unix:uid:2000"));
        assertThat(changed.parent()).isEqualTo(new Parent.AnyNode());
        assertThat(store.entries().get("svc.default.default.dc1.web.2")).isEmpty();
        assertThat(store.services().managingService("svc.default.default.dc1.web.2")).isEmpty();

        // Dropping the first set moves the second to index 0: not a duplicate of itself.
        RegisteredService third = store.services().register(service("web", List.of(), "unix:uid:2000"), TD);
        assertThat(third.entryIds()).containsExactly("svc.default.default.dc1.web.0");
        assertThat(store.entries().list()).singleElement()
                .satisfies(e -> assertThat(e.selectors()).containsExactly(Selector.parse("unix:uid:2000")));
        // Re-registering the same definition leaves the entry alone but records a new service revision.
        Entry before = store.entries().list().get(0);
        assertThat(store.services().register(service("web", List.of(), "unix:uid:2000"), TD).revision()).isEqualTo(4);
        assertThat(store.entries().list()).containsExactly(before);
        // The parked registration key was restored: a user entry duplicating it is still refused.
        assertThatThrownBy(() -> store.entries().create(entry(null, "/ns/default/dc/dc1/svc/web", new Parent.AnyNode(), "unix:uid:2000")))
                .isInstanceOf(StoreException.AlreadyExists.class);
    }

    @Test
    void deregisteringDeletesTheServiceAndItsEntries() {
        var def = service("web", List.of(), "unix:uid:1000", "unix:uid:1001");
        store.services().register(def, TD);
        Entry unrelated = store.entries().create(entry(null, "/other", new Parent.AnyNode(), "unix:uid:1000"));

        assertThat(store.services().deregister(def.key())).isTrue();
        assertThat(store.services().get(def.key())).isEmpty();
        assertThat(store.services().list()).isEmpty();
        assertThat(store.entries().list()).containsExactly(unrelated);
        assertThat(store.services().deregister(def.key())).isFalse();
    }

    @Test
    void aFailedRegistrationChangesNothing() {
        // The second selector set would duplicate an existing entry: the whole registration rolls back.
        store.entries().create(entry("user", "/ns/default/dc/dc1/svc/web", new Parent.AnyNode(), "unix:uid:1001"));
        var def = service("web", List.of(), "unix:uid:1000", "unix:uid:1001");
        assertThatThrownBy(() -> store.services().register(def, TD)).isInstanceOf(StoreException.AlreadyExists.class);
        assertThat(store.services().get(def.key())).isEmpty();
        assertThat(store.entries().list()).extracting(Entry::id).containsExactly("user");

        // An entry ID taken by an entry the service does not manage is refused too.
        store.entries().create(entry("svc.default.default.dc1.api.0", "/x", new Parent.AnyNode(), "unix:uid:7"));
        var api = service("api", List.of(), "unix:uid:8");
        assertThatThrownBy(() -> store.services().register(api, TD)).isInstanceOf(StoreException.AlreadyExists.class)
                .hasMessageContaining("not managed by service api");
        assertThat(store.entries().get("svc.default.default.dc1.api.0").orElseThrow().spiffeId()).hasToString("spiffe://example.org/x");
    }

    @Test
    void servicesInOtherNamespacesAndPartitionsAreDistinct() {
        var a = service("web", List.of(), "unix:uid:1");
        var b = new dev.signet.core.catalog.ServiceDefinition("web", "team-b", "finance", null, null, null, 0, a.workloadSelectors(),
                null, null, null, null, null).validate();
        store.services().register(a, TD);
        RegisteredService rb = store.services().register(b, TD);
        assertThat(rb.spiffeId()).hasToString("spiffe://example.org/ap/finance/ns/team-b/dc/dc1/svc/web");
        assertThat(store.services().list()).extracting(RegisteredService::key).containsExactly(a.key(), b.key());
        assertThat(store.entries().list()).hasSize(2);
    }

    // ---- catalog reports (the catalog's live state) ----------------------------------------------------

    private static CatalogReport.Identity active(String entryId, String path, int workloads) {
        return new CatalogReport.Identity(entryId, sid(path), workloads);
    }

    private static CatalogReport report(String agentPath, Instant at, String address, CatalogReport.Identity... identities) {
        return new CatalogReport(sid(agentPath), List.of(identities), at, address);
    }

    @Test
    void aCatalogReportRoundTripsExactlyAndListsAreOrderedByAgent() {
        CatalogReportStore reports = store.catalogReports();
        CatalogReport b = report("/agent/b", START, "10.0.0.2", active("svc.web.0", "/web", 2), active("e-1", "/db", 0));
        CatalogReport a = report("/agent/a", START.plusSeconds(1), "", active("e-1", "/db", 1));
        CatalogReport empty = report("/agent/c", START.plusSeconds(2), "2001:db8::1");
        assertThat(reports.replace(b)).isTrue();
        assertThat(reports.replace(a)).isTrue();
        assertThat(reports.replace(empty)).isTrue();

        assertThat(reports.list()).containsExactly(a, b, empty);
        assertThat(reports.get(sid("/agent/b"))).contains(b);
        assertThat(reports.get(sid("/agent/missing"))).isEmpty();
        // Another server sees the same, as does a restarted one.
        assertThat(open().catalogReports().list()).containsExactly(a, b, empty);
    }

    @Test
    void anUnchangedReportOnlyRefreshesItsTimeAndRaisesNoCounter() {
        CatalogReportStore reports = store.catalogReports();
        long entriesBefore = store.entries().changeCounter();
        long c0 = reports.changeCounter();
        CatalogReport first = report("/agent/a", START, "10.0.0.1", active("svc.web.0", "/web", 2));
        assertThat(reports.replace(first)).as("a new report").isTrue();
        long c1 = reports.changeCounter();
        assertThat(c1).isGreaterThan(c0);

        // The periodic report: same content, later. Also through another instance (another server).
        Instant later = START.plusSeconds(10);
        assertThat(reports.replace(report("/agent/a", later, "10.0.0.1", active("svc.web.0", "/web", 2)))).isFalse();
        Instant evenLater = START.plusSeconds(20);
        assertThat(open().catalogReports().replace(report("/agent/a", evenLater, "10.0.0.1", active("svc.web.0", "/web", 2))))
                .isFalse();
        assertThat(reports.changeCounter()).isEqualTo(c1);
        assertThat(reports.get(sid("/agent/a")).orElseThrow().reportedAt()).isEqualTo(evenLater);

        // Anything else the report says is a change: the workload count, the identities, their order, the address.
        List<CatalogReport> changes = List.of(
                report("/agent/a", later, "10.0.0.1", active("svc.web.0", "/web", 3)),
                report("/agent/a", later, "10.0.0.1", active("svc.web.0", "/web", 3), active("e-1", "/db", 1)),
                report("/agent/a", later, "10.0.0.1", active("e-1", "/db", 1), active("svc.web.0", "/web", 3)),
                report("/agent/a", later, "10.0.0.9", active("e-1", "/db", 1), active("svc.web.0", "/web", 3)),
                report("/agent/a", later, "10.0.0.9"));
        long last = c1;
        for (CatalogReport change : changes) {
            assertThat(reports.replace(change)).as("replace with %s", change).isTrue();
            assertThat(reports.changeCounter()).isGreaterThan(last);
            last = reports.changeCounter();
            assertThat(reports.get(sid("/agent/a"))).contains(change);
        }
        // Catalog reports never raise the change counter that entry reloads and pushes to agents follow.
        assertThat(store.entries().changeCounter()).isEqualTo(entriesBefore);
    }

    @Test
    void deletingAReportRaisesTheCounterOnlyIfThereWasOne() {
        CatalogReportStore reports = store.catalogReports();
        reports.replace(report("/agent/a", START, "", active("e", "/web", 1)));
        reports.replace(report("/agent/b", START, "", active("e", "/web", 1)));
        long before = reports.changeCounter();
        long entriesBefore = store.entries().changeCounter();

        assertThat(reports.delete(sid("/agent/a"))).isTrue();
        assertThat(reports.changeCounter()).isGreaterThan(before);
        long after = reports.changeCounter();
        assertThat(reports.delete(sid("/agent/a"))).isFalse();
        assertThat(reports.delete(sid("/agent/never"))).isFalse();
        assertThat(reports.changeCounter()).isEqualTo(after);
        assertThat(reports.list()).extracting(CatalogReport::agent).containsExactly(sid("/agent/b"));
        assertThat(store.entries().changeCounter()).isEqualTo(entriesBefore);
    }

    @Test
    void deleteReportedBeforeRemovesExactlyTheOlderReports() {
        CatalogReportStore reports = store.catalogReports();
        reports.replace(report("/agent/old", START, "", active("e", "/web", 1)));
        reports.replace(report("/agent/new", START.plusSeconds(20), "", active("e", "/web", 1)));
        // refreshed by an unchanged report: it counts from the refresh
        reports.replace(report("/agent/refreshed", START, "", active("e", "/web", 1)));
        reports.replace(report("/agent/refreshed", START.plusSeconds(15), "", active("e", "/web", 1)));
        long before = reports.changeCounter();

        assertThat(reports.deleteReportedBefore(START.plusSeconds(10))).isEqualTo(1);
        assertThat(reports.changeCounter()).isGreaterThan(before);
        assertThat(reports.list()).extracting(CatalogReport::agent).containsExactly(sid("/agent/new"), sid("/agent/refreshed"));

        long after = reports.changeCounter();
        assertThat(reports.deleteReportedBefore(START.plusSeconds(10))).as("again: nothing left to expire").isZero();
        assertThat(open().catalogReports().deleteReportedBefore(START.plusSeconds(15))).as("strictly before the cutoff").isZero();
        assertThat(reports.changeCounter()).isEqualTo(after);
        assertThat(reports.deleteReportedBefore(START.plusSeconds(21))).isEqualTo(2);
        assertThat(reports.list()).isEmpty();
    }

    @Test
    void reportsThatCannotBeStoredFaithfullyAreRefused() {
        assertThatThrownBy(() -> active("two words", "/web", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two words");
        assertThatThrownBy(() -> active("e", "/web", -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative");
        assertThatThrownBy(() -> report("/agent/a", START, "10.0.0.1\nx")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("address");
    }

    @Test
    void concurrentReportsFromTwoInstancesAreEachAppliedWhole() throws Exception {
        Datastore other = open();
        int identities = 40;
        List<CatalogReport.Identity> xs = new ArrayList<>();
        List<CatalogReport.Identity> ys = new ArrayList<>();
        for (int i = 0; i < identities; i++) {
            xs.add(active("x" + i, "/x/" + i, i));
            ys.add(active("y" + i, "/y/" + i, i));
        }
        SpiffeId agentId = sid("/agent/a");
        store.catalogReports().replace(new CatalogReport(agentId, xs, START, "10.0.0.1"));
        long before = store.catalogReports().changeCounter();
        int rounds = 30;
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            CyclicBarrier barrier = new CyclicBarrier(3);
            List<Future<Integer>> futures = new ArrayList<>();
            // Two servers write alternating contents for the same agent (plus unchanged refreshes), a reader checks
            // that every report it sees is one writer's whole report.
            for (Datastore ds : List.of(store, other)) {
                List<CatalogReport.Identity> mine = ds == store ? xs : ys;
                futures.add(pool.submit(() -> {
                    barrier.await(30, TimeUnit.SECONDS);
                    int changed = 0;
                    for (int i = 0; i < rounds; i++) {
                        CatalogReport r = new CatalogReport(agentId, mine, START.plusMillis(i), "10.0.0.1");
                        changed += ds.catalogReports().replace(r) ? 1 : 0;
                        // a refresh, or a change if the other wrote in between
                        changed += ds.catalogReports().replace(r) ? 1 : 0;
                    }
                    return changed;
                }));
            }
            futures.add(pool.submit(() -> {
                barrier.await(30, TimeUnit.SECONDS);
                for (int i = 0; i < rounds; i++) {
                    CatalogReport seen = other.catalogReports().get(agentId).orElseThrow();
                    assertThat(seen.identities()).satisfiesAnyOf(l -> assertThat(l).isEqualTo(xs), l -> assertThat(l).isEqualTo(ys));
                }
                return 0;
            }));
            int changes = 0;
            for (Future<Integer> f : futures) {
                changes += f.get(60, TimeUnit.SECONDS);
            }
            long after = store.catalogReports().changeCounter();
            // Every replace that reported a change raised the counter once, and nothing else did (the others were refreshes).
            assertThat(after - before).isEqualTo(changes);
            assertThat(changes).as("the two writers' contents alternated at least once").isPositive();
            assertThat(store.catalogReports().list()).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
        // Whichever write was last, a reader's unchanged replace of it is no change.
        CatalogReport last = store.catalogReports().get(agentId).orElseThrow();
        long c = store.catalogReports().changeCounter();
        assertThat(other.catalogReports().replace(new CatalogReport(agentId, last.identities(), START.plusSeconds(60), last.address())))
                .isFalse();
        assertThat(store.catalogReports().changeCounter()).isEqualTo(c);
    }

    @Test
    void aCatalogChangeThroughAnotherInstanceReachesACatalogWatcherAndOnlyIt() throws Exception {
        Datastore other = open();
        java.util.concurrent.atomic.AtomicLong seen = new java.util.concurrent.atomic.AtomicLong(Long.MIN_VALUE);
        java.util.concurrent.atomic.AtomicInteger entryCalls = new java.util.concurrent.atomic.AtomicInteger();
        long entryCounter = store.entries().changeCounter();
        try (AutoCloseable catalogHandle = store.catalogReports().watch(
                () -> seen.accumulateAndGet(store.catalogReports().changeCounter(), Math::max));
                AutoCloseable entryHandle = store.watch(() -> {
                    if (store.entries().changeCounter() != entryCounter) {
                        entryCalls.incrementAndGet();
                    }
                })) {
            other.catalogReports().replace(report("/agent/a", START, "", active("e", "/web", 1)));
            long target = other.catalogReports().changeCounter();
            dev.signet.testing.Poll.until(WATCH_DEADLINE, "a catalog watcher call after a new report", () -> seen.get() >= target);
            other.catalogReports().delete(sid("/agent/a"));
            long target2 = other.catalogReports().changeCounter();
            dev.signet.testing.Poll.until(WATCH_DEADLINE, "a catalog watcher call after a deletion", () -> seen.get() >= target2);
            store.catalogReports().replace(report("/agent/b", START, "", active("e", "/web", 1)));
            long target3 = store.catalogReports().changeCounter();
            dev.signet.testing.Poll.until(WATCH_DEADLINE, "a catalog watcher call after a local report", () -> seen.get() >= target3);
        }
        assertThat(entryCalls).as("entry watcher calls that saw the change counter move").hasValue(0);
        assertThat(store.entries().changeCounter()).isEqualTo(entryCounter);
    }
}
