package dev.signet.server.authorization;

import dev.signet.core.registration.Entry;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.server.store.EntryStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-memory snapshot of all registration entries ({@link EntryIndex}, immutable, swapped atomically), from which
 * each agent's authorized entries are computed: an entry is authorized for an agent when its parent admits the
 * agent — parented to the agent's ID, or its node selectors are a subset of the agent's, or any node (SPIRE §5.2,
 * flattened).
 *
 * <p><b>Keeping it current.</b> The snapshot carries the store's change counter it reflects. Commits made through
 * this server's store are applied in memory as they commit ({@link EntryStore#onCommit}): a commit that raised the
 * counter from exactly the snapshot's value moves the snapshot to its new value, with the entries it wrote applied
 * (a commit that wrote no entry, e.g. an agent's attestation, only moves the counter). A commit whose start is beyond
 * the snapshot's counter — another server's change slipped in between, or a local commit on another thread is not
 * applied yet — is applied to the content at once (so a writer always reads its own write) but leaves the counter
 * where it is; it is kept until the commits before it arrive, or until a reload covers it. Whatever else moved the
 * store's counter (other servers' changes) is caught by {@link #reloadIfChanged()}, which the server calls from the
 * store's change feed: a full reload, read together with the counter in one snapshot, with the local commits newer
 * than that read applied on top.
 *
 * <p>Listeners hear of every change with what changed ({@link Change}); a reload reports the entries that differ
 * from the previous snapshot and that any agent record and anything else may have changed.
 */
public final class EntryCache {
    private static final Logger log = LoggerFactory.getLogger(EntryCache.class);
    /** Out-of-order local commits kept at most; beyond that they are dropped and the next reload covers them. */
    private static final int MAX_AHEAD = 10_000;

    /**
     * What changed: {@code entries} holds the old and the new version of every entry that changed (a created entry
     * has only its new version, a deleted one only its old one); {@code agents} the agent records written;
     * {@code allAgents} that any agent record may have changed (unknown which); {@code other} that the bundle,
     * intentions, templates or services may have changed.
     */
    public record Change(List<Entry> entries, Set<SpiffeId> agents, boolean allAgents, boolean other) {
        public Change {
            entries = List.copyOf(entries);
            agents = Set.copyOf(agents);
        }

        /** Everything may have changed. */
        public static Change everything(List<Entry> entries) {
            return new Change(entries, Set.of(), true, true);
        }
    }

    private final EntryStore store;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Change>> changeListeners = new CopyOnWriteArrayList<>();
    private volatile EntryIndex index = EntryIndex.EMPTY;
    /** Local commits applied to the content but not yet to the counter, by their starting counter. Guarded by this. */
    private final TreeMap<Long, EntryStore.Commit> ahead = new TreeMap<>();

    public EntryCache(EntryStore store) {
        this.store = store;
        store.onCommit(this::committed);
    }

    /** Reads every entry from the store (with the counter they reflect) and replaces the snapshot. */
    public synchronized void reload() {
        EntryStore.Listing listing = store.listWithCounter();
        EntryIndex old = index;
        EntryIndex next = EntryIndex.of(listing.entries(), listing.counter());
        // local commits the listing already includes are done; the rest are newer than the read
        ahead.headMap(listing.counter(), false).clear();
        next = reapplyAhead(next, Long.MIN_VALUE);
        next = absorbAhead(next);
        index = next;
        notifyListeners(Change.everything(difference(old, next)));
    }

    /** Reloads if the store's change counter moved since the snapshot; true if it reloaded. */
    public boolean reloadIfChanged() {
        if (store.changeCounter() != index.counter()) {
            reload();
            return true;
        }
        return false;
    }

    /**
     * Makes sure the snapshot shows a write this server just completed: entry {@code id} as {@code stored} (at least
     * that revision), or absent when {@code stored} is null. The store's commit report normally has done so already;
     * if not (a store that does not report commits), this reloads.
     */
    public void written(String id, Entry stored) {
        Optional<Entry> now = index.get(id);
        boolean shown = stored == null ? now.isEmpty() : now.isPresent() && now.get().revision() >= stored.revision();
        if (!shown) {
            reload();
        }
    }

    /** The store's change counter as of the snapshot. */
    public long counter() {
        return index.counter();
    }

    /** The current snapshot. */
    public EntryIndex snapshot() {
        return index;
    }

    /** Runs after every change to the snapshot (entries, or the counter by a commit that changed anything). */
    public void onChange(Runnable r) {
        listeners.add(r);
    }

    /** Like {@link #onChange(Runnable)}, told what changed. */
    public void onChange(Consumer<Change> c) {
        changeListeners.add(c);
    }

    /** Entries this agent may receive, ordered by entry ID. */
    public List<Entry> authorizedFor(SpiffeId agentId, Set<Selector> agentSelectors) {
        return index.authorizedFor(agentId, agentSelectors);
    }

    /** The entry with this ID if it is authorized for this agent. */
    public Optional<Entry> authorizedEntry(SpiffeId agentId, Set<Selector> agentSelectors, String entryId) {
        return index.authorizedEntry(agentId, agentSelectors, entryId);
    }

    /** A commit through this server's store (on the committing thread, right after the commit). */
    private synchronized void committed(EntryStore.Commit c) {
        try {
            EntryIndex cur = index;
            if (c.counterAfter() <= cur.counter()) {
                return; // a reload already read it
            }
            List<Entry> changed = new ArrayList<>();
            EntryIndex next = c.entries().isEmpty() ? cur : cur.with(c.entries(), cur.counter(), changed);
            for (EntryStore.EntryChange ch : c.entries()) {
                if (ch.entry() != null) {
                    changed.add(ch.entry());
                }
            }
            if (c.counterBefore() == cur.counter()) {
                next = next.atCounter(c.counterAfter());
            } else if (c.counterBefore() > cur.counter()) {
                ahead.put(c.counterBefore(), c);
                if (ahead.size() > MAX_AHEAD) {
                    ahead.pollFirstEntry(); // the counter stays behind it; the next reload covers it
                }
            } else {
                // starts before the snapshot yet ends after it: cannot happen with serial writers; let a reload decide
                log.warn("entry cache: commit {}..{} overlaps snapshot {}; waiting for a reload", c.counterBefore(),
                        c.counterAfter(), cur.counter());
                return;
            }
            // later local commits already shown must stay on top of this one
            next = reapplyAhead(next, c.counterBefore());
            next = absorbAhead(next);
            index = next;
            notifyListeners(new Change(changed, c.agents(), false, c.other()));
        } catch (RuntimeException e) {
            // never leave a half-applied snapshot claiming a counter: the next feed reaction reloads
            log.warn("entry cache: applying a local commit failed, reloading on the next change: {}", e.toString());
            index = index.atCounter(Long.MIN_VALUE);
        }
    }

    /** {@code next} with the entries of the kept local commits starting after {@code after} applied again, in order. */
    private EntryIndex reapplyAhead(EntryIndex next, long after) {
        for (Map.Entry<Long, EntryStore.Commit> a : ahead.tailMap(after, false).entrySet()) {
            if (!a.getValue().entries().isEmpty()) {
                next = next.with(a.getValue().entries(), next.counter(), null);
            }
        }
        return next;
    }

    /** Moves the counter over kept local commits that now follow on from it. */
    private EntryIndex absorbAhead(EntryIndex next) {
        EntryStore.Commit a;
        while ((a = ahead.remove(next.counter())) != null) {
            next = next.atCounter(a.counterAfter());
        }
        return next;
    }

    /** Old and new versions of the entries that differ between two snapshots. */
    private static List<Entry> difference(EntryIndex old, EntryIndex next) {
        List<Entry> out = new ArrayList<>();
        next.forEach(e -> {
            Optional<Entry> o = old.get(e.id());
            if (o.isEmpty() || !o.get().equals(e)) {
                out.add(e);
                o.ifPresent(out::add);
            }
        });
        old.forEach(o -> {
            if (next.get(o.id()).isEmpty()) {
                out.add(o);
            }
        });
        return out;
    }

    private void notifyListeners(Change change) {
        for (Consumer<Change> c : changeListeners) {
            try {
                c.accept(change);
            } catch (RuntimeException e) {
                log.warn("entry cache listener failed", e);
            }
        }
        for (Runnable r : listeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("entry cache listener failed", e);
            }
        }
    }
}
