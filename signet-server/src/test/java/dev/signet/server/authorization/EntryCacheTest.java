package dev.signet.server.authorization;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.core.registration.Entry;
import dev.signet.core.registration.Parent;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.server.store.AgentRecord;
import dev.signet.server.store.Datastore;
import dev.signet.server.store.EntryStore;
import dev.signet.server.store.sql.SqliteDatastore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The entry cache applies this server's commits in memory (no full read of the entries) and reloads when another
 * server's change slipped in; on a real SQLite store, with an {@link EntryStore} wrapper that counts full reads.
 */
class EntryCacheTest {
    private static final SpiffeId AGENT = SpiffeId.parse("spiffe://td/signet/agent/join_token/a1");

    @TempDir
    Path dir;
    private Datastore store;
    private Datastore otherServer;
    private Counting entries;
    private EntryCache cache;
    private final List<EntryCache.Change> changes = new CopyOnWriteArrayList<>();

    /** Delegates everything; counts the reads of every entry. */
    static final class Counting implements EntryStore {
        final EntryStore d;
        final AtomicInteger fullReads = new AtomicInteger();
        final List<Consumer<Commit>> listeners = new CopyOnWriteArrayList<>();

        Counting(EntryStore d) {
            this.d = d;
        }

        @Override
        public Entry create(Entry entry) {
            return d.create(entry);
        }

        @Override
        public Optional<Entry> get(String id) {
            return d.get(id);
        }

        @Override
        public Entry update(Entry entry) {
            return d.update(entry);
        }

        @Override
        public boolean delete(String id) {
            return d.delete(id);
        }

        @Override
        public List<Entry> list() {
            fullReads.incrementAndGet();
            return d.list();
        }

        @Override
        public Listing listWithCounter() {
            fullReads.incrementAndGet();
            return d.listWithCounter();
        }

        @Override
        public List<Entry> listBySpiffeId(SpiffeId id) {
            return d.listBySpiffeId(id);
        }

        @Override
        public long changeCounter() {
            return d.changeCounter();
        }

        @Override
        public AutoCloseable onCommit(Consumer<Commit> listener) {
            listeners.add(listener);
            return d.onCommit(listener);
        }
    }

    @BeforeEach
    void open() {
        store = SqliteDatastore.open(dir, Clock.systemUTC());
        otherServer = SqliteDatastore.open(dir, Clock.systemUTC());
        entries = new Counting(store.entries());
        cache = new EntryCache(entries);
        cache.onChange(changes::add);
        cache.reload();
        changes.clear();
        assertThat(entries.fullReads).hasValue(1);
    }

    @AfterEach
    void close() {
        otherServer.close();
        store.close();
    }

    private static Entry entry(String id, Parent parent) {
        return new Entry(id, SpiffeId.parse("spiffe://td/" + id), parent, new TreeSet<>(Set.of(new Selector("unix", "uid:1"))),
                null, List.of(), "", 0, null);
    }

    private static AgentRecord agent(SpiffeId id, Selector... selectors) {
        return new AgentRecord(id, "join_token", new TreeSet<>(List.of(selectors)), "01", Instant.now().plusSeconds(3600), "",
                null, false, Instant.now(), null);
    }

    @Test
    void localWritesAreAppliedWithoutReadingEveryEntry() {
        Entry created = entries.create(entry("e1", new Parent.AgentId(AGENT)));
        assertThat(cache.authorizedFor(AGENT, Set.of())).containsExactly(created);
        assertThat(cache.counter()).isEqualTo(entries.changeCounter());

        Entry updated = entries.update(entry("e1", new Parent.AnyNode()));
        SpiffeId other = SpiffeId.parse("spiffe://td/signet/agent/join_token/a2");
        assertThat(cache.authorizedFor(other, Set.of())).containsExactly(updated);
        assertThat(entries.delete("e1")).isTrue();
        assertThat(cache.authorizedFor(other, Set.of())).isEmpty();

        // an agent's attestation (a commit without entries) only moves the counter
        store.agents().create(agent(AGENT, new Selector("k8s", "node:n1")));
        assertThat(cache.counter()).isEqualTo(entries.changeCounter());

        // the change feed's reaction finds nothing to reload; admin API writes confirm without reading
        assertThat(cache.reloadIfChanged()).isFalse();
        Entry again = entries.create(entry("e2", new Parent.AnyNode()));
        cache.written("e2", again);
        assertThat(entries.fullReads).as("full reads of the entries").hasValue(1);

        assertThat(changes).hasSize(5);
        assertThat(changes.get(0)).isEqualTo(new EntryCache.Change(List.of(created), Set.of(), false, false));
        assertThat(changes.get(1).entries()).containsExactlyInAnyOrder(created, updated);
        assertThat(changes.get(2).entries()).containsExactly(updated);
        assertThat(changes.get(3)).isEqualTo(new EntryCache.Change(List.of(), Set.of(AGENT), false, false));
    }

    @Test
    void anotherServersWriteInBetweenLeavesTheCounterForAFullReload() {
        entries.create(entry("e1", new Parent.AnyNode()));
        Entry foreign = otherServer.entries().create(entry("f1", new Parent.AnyNode()));
        Entry local = entries.create(entry("e2", new Parent.AnyNode()));
        // the local write shows at once, the foreign one not yet, and the counter stays before the gap
        assertThat(cache.snapshot().get("e2")).contains(local);
        assertThat(cache.snapshot().get("f1")).isEmpty();
        assertThat(cache.counter()).isLessThan(entries.changeCounter());
        assertThat(entries.fullReads).hasValue(1);

        assertThat(cache.reloadIfChanged()).isTrue();
        assertThat(entries.fullReads).hasValue(2);
        assertThat(cache.snapshot().all()).extracting(Entry::id).containsExactly("e1", "e2", "f1");
        assertThat(cache.snapshot().get("f1")).contains(foreign);
        assertThat(cache.counter()).isEqualTo(entries.changeCounter());
        EntryCache.Change reload = changes.get(changes.size() - 1);
        assertThat(reload.allAgents()).isTrue();
        assertThat(reload.entries()).containsExactly(foreign);

        // in step again: local writes no longer read everything
        entries.delete("e1");
        assertThat(cache.reloadIfChanged()).isFalse();
        assertThat(entries.fullReads).hasValue(2);

        // another server's agent write also needs the reload: the cache cannot know what it changed
        otherServer.agents().create(agent(AGENT));
        assertThat(cache.reloadIfChanged()).isTrue();
        assertThat(entries.fullReads).hasValue(3);
    }

    @Test
    void localCommitsReportedOutOfOrderEndInCommitOrder() {
        long c = cache.counter();
        Entry v1 = entry("x", new Parent.AnyNode()).withId("x", 1, null);
        Entry v2 = entry("x", new Parent.AgentId(AGENT)).withId("x", 2, null);
        Entry y = entry("y", new Parent.AnyNode()).withId("y", 1, null);
        Consumer<EntryStore.Commit> report = entries.listeners.get(0);
        // the second commit is reported first (it committed on another thread): its content shows, the counter waits
        report.accept(new EntryStore.Commit(c + 1, c + 3, List.of(new EntryStore.EntryChange("x", v2),
                new EntryStore.EntryChange("y", y)), Set.of(), false));
        assertThat(cache.snapshot().get("x")).contains(v2);
        assertThat(cache.counter()).isEqualTo(c);
        // then the first: the later version stays on top, and the counter moves over both
        report.accept(new EntryStore.Commit(c, c + 1, List.of(new EntryStore.EntryChange("x", v1)), Set.of(), false));
        assertThat(cache.snapshot().get("x")).contains(v2);
        assertThat(cache.snapshot().get("y")).contains(y);
        assertThat(cache.counter()).isEqualTo(c + 3);
        assertThat(cache.authorizedFor(SpiffeId.parse("spiffe://td/signet/agent/join_token/zz"), Set.of())).containsExactly(y);
        // a report the snapshot already covers changes nothing
        report.accept(new EntryStore.Commit(c, c + 1, List.of(new EntryStore.EntryChange("x", null)), Set.of(), false));
        assertThat(cache.snapshot().get("x")).contains(v2);
        assertThat(entries.fullReads).hasValue(1);
        assertThat(changes).hasSize(2);
    }
}
