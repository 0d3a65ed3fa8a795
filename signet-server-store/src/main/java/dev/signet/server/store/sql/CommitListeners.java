package dev.signet.server.store.sql;

import dev.signet.server.store.EntryStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of {@link EntryStore#onCommit}: {@link Transactions} calls {@link #committed} on the committing thread
 * right after a transaction that raised the change counter committed, before it signals the change feed.
 */
final class CommitListeners {
    private static final Logger log = LoggerFactory.getLogger(CommitListeners.class);

    private final List<Consumer<EntryStore.Commit>> listeners = new CopyOnWriteArrayList<>();

    AutoCloseable add(Consumer<EntryStore.Commit> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    void committed(EntryStore.Commit commit) {
        if (commit == null) {
            return;
        }
        for (Consumer<EntryStore.Commit> l : listeners) {
            try {
                l.accept(commit);
            } catch (RuntimeException e) {
                log.warn("commit listener failed", e);
            }
        }
    }
}
