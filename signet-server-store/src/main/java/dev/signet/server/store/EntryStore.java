package dev.signet.server.store;

import dev.signet.core.registration.Entry;
import dev.signet.core.spiffeid.SpiffeId;
import java.util.List;
import java.util.Optional;

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
}
