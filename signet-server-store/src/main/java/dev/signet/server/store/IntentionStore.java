package dev.signet.server.store;

import dev.signet.core.intention.Intention;
import dev.signet.core.intention.IntentionDestination;
import dev.signet.core.intention.IntentionSource;
import java.util.List;
import java.util.Optional;

/**
 * Intentions. Every change raises the store's change counter ({@link EntryStore#changeCounter()}), so that
 * every server sharing the store pushes the new set to its agents.
 */
public interface IntentionStore {
    /**
     * Stores a new intention with a fresh random ID and created/updated times now (whole seconds, from the
     * store's clock); returns it.
     *
     * @throws StoreException.AlreadyExists if an intention with the same source and destination exists
     */
    Intention create(Intention intention);

    Optional<Intention> get(String id);

    /** The intention for exactly this (canonical) source and destination, if any. */
    Optional<Intention> find(IntentionSource source, IntentionDestination destination);

    /** Deletes an intention; false if there was none. */
    boolean delete(String id);

    /** All intentions, ordered by ID. */
    List<Intention> list();
}
