package dev.signet.server.store;

import dev.signet.core.registration.Entry;
import dev.signet.core.spiffeid.SpiffeId;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/** Registration entries. */
public interface EntryStore {
    /**
     * Stores a new entry. Assigns a fresh random ID when {@code entry.id()} is null, revision 1 and
     * created-at now (from the store's clock), and returns the stored entry.
     *
     * @throws StoreException.AlreadyExists if an entry with that ID exists, or an entry with the same
     *     SPIFFE ID, parent and selector set exists (a duplicate registration)
     */
    Entry create(Entry entry);

    Optional<Entry> get(String id);

    /**
     * Replaces the entry with {@code entry.id()}, keeping its created-at and bumping its revision.
     *
     * @throws StoreException.NotFound if there is no such entry
     */
    Entry update(Entry entry);

    /** Deletes an entry; false if there was none. */
    boolean delete(String id);

    /** All entries, ordered by ID. */
    List<Entry> list();

    /** Entries with this SPIFFE ID, ordered by ID. */
    List<Entry> listBySpiffeId(SpiffeId id);

    /**
     * A number that increases whenever any entry or agent record changes (create, update, delete, ban),
     * committed by any server sharing this store. Equal values mean nothing changed in between.
     */
    long changeCounter();

    /** All entries and the change counter, read together. */
    record Listing(List<Entry> entries, long counter) {
        public Listing {
            entries = List.copyOf(entries);
        }
    }

    /**
     * All entries (ordered by ID) with the change counter they reflect. The default reads the counter first and the
     * entries after, so the entries may already include later changes (never miss earlier ones); the SQL store reads
     * both in one snapshot.
     */
    default Listing listWithCounter() {
        long c = changeCounter();
        return new Listing(list(), c);
    }

    /** One entry created or updated ({@code entry} as stored), or deleted ({@code entry} null). */
    record EntryChange(String id, Entry entry) {}

    /**
     * A committed transaction that raised the change counter from {@code counterBefore} to {@code counterAfter}:
     * the entries it wrote, in order, the agent records it wrote, and whether it changed anything else the counter
     * covers (the bundle, services, intentions, templates).
     */
    record Commit(long counterBefore, long counterAfter, List<EntryChange> entries, Set<SpiffeId> agents, boolean other) {
        public Commit {
            entries = List.copyOf(entries);
            agents = Set.copyOf(agents);
        }
    }

    /**
     * Calls {@code listener} on the committing thread after every transaction committed through this store instance
     * (any of its parts, not only entries) that raised the change counter, before the change feed hears of it and
     * before the writing call returns; other processes' commits are not reported. Calls for different transactions
     * may arrive out of counter order when they commit on different threads. A listener that throws is logged. The
     * default reports nothing (callers then rely on {@link #changeCounter()} and reloads). Closing the handle stops
     * the calls.
     */
    default AutoCloseable onCommit(Consumer<Commit> listener) {
        return () -> { };
    }
}
