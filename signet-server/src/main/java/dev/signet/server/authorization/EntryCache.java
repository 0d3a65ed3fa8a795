package dev.signet.server.authorization;

import dev.signet.core.registration.Entry;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.server.store.EntryStore;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-memory snapshot of all registration entries, from which each agent's authorized entries are
 * computed: an entry is authorized for an agent when its parent admits the agent — parented to the agent's
 * ID, or its node selectors are a subset of the agent's, or any node (SPIRE §5.2, flattened).
 *
 * <p>The snapshot is reloaded when this server changes an entry ({@link #reload()} right after the write)
 * and when the store's change counter moves ({@link #reloadIfChanged()}, which the server calls from the
 * store's change feed, so writes by other servers sharing the store arrive within the feed's latency).
 * Listeners run after every reload.
 */
public final class EntryCache {
    private static final Logger log = LoggerFactory.getLogger(EntryCache.class);

    private final EntryStore store;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile List<Entry> entries = List.of();
    private volatile long counter = Long.MIN_VALUE;

    public EntryCache(EntryStore store) {
        this.store = store;
    }

    public synchronized void reload() {
        long c = store.changeCounter();
        entries = store.list();
        counter = c;
        for (Runnable r : listeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("entry cache listener failed", e);
            }
        }
    }

    /** Reloads if the store's change counter moved since the last load; true if it reloaded. */
    public boolean reloadIfChanged() {
        if (store.changeCounter() != counter) {
            reload();
            return true;
        }
        return false;
    }

    /** The store's change counter as of the snapshot. */
    public long counter() {
        return counter;
    }

    /** Runs after every reload. */
    public void onChange(Runnable r) {
        listeners.add(r);
    }

    /** Entries this agent may receive, ordered by entry ID. */
    public List<Entry> authorizedFor(SpiffeId agentId, Set<Selector> agentSelectors) {
        return entries.stream().filter(e -> e.parent().admits(agentId, agentSelectors)).toList();
    }
}
