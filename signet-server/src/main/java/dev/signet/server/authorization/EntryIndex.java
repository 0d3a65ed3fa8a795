package dev.signet.server.authorization;

import dev.signet.core.registration.Entry;
import dev.signet.core.registration.Parent;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.server.store.EntryStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable snapshot of all registration entries (as of one store change counter), indexed by how an entry's
 * parent admits agents: by parent agent ID, by one of its node selectors (the smallest), and the any-node list.
 * Each entry sits in exactly one bucket, so an agent's candidates are its own bucket, the buckets of its node
 * selectors, and the any-node list; {@link Parent#admits} then decides, exactly as a scan of every entry would.
 *
 * <p>{@link #with} returns a new snapshot sharing everything the change does not touch: the maps are split into
 * {@value #SHARDS} shards and only the shards holding a changed key are copied, as are the (small) lists of the
 * buckets concerned, so applying one entry costs O(entries / shards + bucket size), not O(entries).
 */
public final class EntryIndex {
    private static final int SHARDS = 256;
    private static final Comparator<Entry> BY_ID = Comparator.comparing(Entry::id);

    /** The empty snapshot, at a counter no store reports. */
    static final EntryIndex EMPTY = new EntryIndex(Long.MIN_VALUE, new Sharded<>(), new Sharded<>(), new Sharded<>(), List.of());

    private final long counter;
    private final Sharded<String, Entry> byId;
    private final Sharded<SpiffeId, List<Entry>> byAgent;
    private final Sharded<Selector, List<Entry>> bySelector;
    /** Any-node entries, ordered by ID. */
    private final List<Entry> anyNode;

    private EntryIndex(long counter, Sharded<String, Entry> byId, Sharded<SpiffeId, List<Entry>> byAgent,
            Sharded<Selector, List<Entry>> bySelector, List<Entry> anyNode) {
        this.counter = counter;
        this.byId = byId;
        this.byAgent = byAgent;
        this.bySelector = bySelector;
        this.anyNode = anyNode;
    }

    /** A snapshot of {@code entries} (distinct IDs) at {@code counter}. */
    public static EntryIndex of(Collection<Entry> entries, long counter) {
        Map<String, Entry> ids = new HashMap<>();
        Map<SpiffeId, List<Entry>> agents = new HashMap<>();
        Map<Selector, List<Entry>> selectors = new HashMap<>();
        List<Entry> any = new ArrayList<>();
        for (Entry e : entries) {
            if (ids.put(e.id(), e) != null) {
                throw new IllegalArgumentException("duplicate entry ID " + e.id());
            }
            if (e.parent() instanceof Parent.AgentId a) {
                agents.computeIfAbsent(a.id(), k -> new ArrayList<>()).add(e);
            } else if (e.parent() instanceof Parent.NodeSelectors n) {
                selectors.computeIfAbsent(n.selectors().first(), k -> new ArrayList<>()).add(e);
            } else {
                any.add(e);
            }
        }
        any.sort(BY_ID);
        return new EntryIndex(counter, Sharded.of(ids), Sharded.of(sortedLists(agents)), Sharded.of(sortedLists(selectors)),
                List.copyOf(any));
    }

    private static <K> Map<K, List<Entry>> sortedLists(Map<K, List<Entry>> m) {
        Map<K, List<Entry>> out = new HashMap<>(m.size() * 2);
        m.forEach((k, v) -> {
            v.sort(BY_ID);
            out.put(k, List.copyOf(v));
        });
        return out;
    }

    /** The store's change counter this snapshot reflects. */
    public long counter() {
        return counter;
    }

    /** This snapshot at another counter, entries unchanged. */
    EntryIndex atCounter(long newCounter) {
        return new EntryIndex(newCounter, byId, byAgent, bySelector, anyNode);
    }

    /**
     * This snapshot with {@code changes} applied in order (an entry set or replaced by ID, or removed), at
     * {@code newCounter}. {@code replaced}, if not null, receives the versions replaced or removed.
     */
    EntryIndex with(List<EntryStore.EntryChange> changes, long newCounter, List<Entry> replaced) {
        Sharded<String, Entry> ids = byId;
        Sharded<SpiffeId, List<Entry>> agents = byAgent;
        Sharded<Selector, List<Entry>> selectors = bySelector;
        List<Entry> any = anyNode;
        for (EntryStore.EntryChange c : changes) {
            Entry old = ids.get(c.id());
            if (old != null) {
                if (replaced != null) {
                    replaced.add(old);
                }
                ids = ids.without(old.id());
                if (old.parent() instanceof Parent.AgentId a) {
                    agents = agents.withValue(a.id(), remove(agents.get(a.id()), old.id()));
                } else if (old.parent() instanceof Parent.NodeSelectors n) {
                    selectors = selectors.withValue(n.selectors().first(), remove(selectors.get(n.selectors().first()), old.id()));
                } else {
                    List<Entry> rest = remove(any, old.id());
                    any = rest == null ? List.of() : rest;
                }
            }
            Entry e = c.entry();
            if (e != null) {
                if (!e.id().equals(c.id())) {
                    throw new IllegalArgumentException("entry change for " + c.id() + " carries entry " + e.id());
                }
                ids = ids.withValue(e.id(), e);
                if (e.parent() instanceof Parent.AgentId a) {
                    agents = agents.withValue(a.id(), insert(agents.get(a.id()), e));
                } else if (e.parent() instanceof Parent.NodeSelectors n) {
                    selectors = selectors.withValue(n.selectors().first(), insert(selectors.get(n.selectors().first()), e));
                } else {
                    any = insert(any, e);
                }
            }
        }
        return new EntryIndex(newCounter, ids, agents, selectors, any);
    }

    /** {@code list} (ordered by ID, may be null) without the entry with this ID; null when nothing is left. */
    private static List<Entry> remove(List<Entry> list, String id) {
        if (list == null) {
            return null;
        }
        List<Entry> out = new ArrayList<>(list.size());
        for (Entry x : list) {
            if (!x.id().equals(id)) {
                out.add(x);
            }
        }
        return out.isEmpty() ? null : List.copyOf(out);
    }

    /** {@code list} (ordered by ID, may be null, without {@code e}'s ID) with {@code e} in ID order. */
    private static List<Entry> insert(List<Entry> list, Entry e) {
        if (list == null) {
            return List.of(e);
        }
        List<Entry> out = new ArrayList<>(list.size() + 1);
        out.addAll(list);
        int at = java.util.Collections.binarySearch(out, e, BY_ID);
        out.add(at < 0 ? -at - 1 : at, e);
        return List.copyOf(out);
    }

    /** The entry with this ID. */
    public Optional<Entry> get(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    public int size() {
        return byId.size();
    }

    /** All entries, ordered by ID (O(entries)). */
    public List<Entry> all() {
        List<Entry> out = new ArrayList<>(byId.size());
        byId.forEachValue(out::add);
        out.sort(BY_ID);
        return out;
    }

    /**
     * Entries this agent may receive, ordered by entry ID: those whose parent admits it (parented to its ID, node
     * selectors among its own, or any node). Costs O(its candidates), not O(all entries).
     */
    public List<Entry> authorizedFor(SpiffeId agentId, Set<Selector> agentSelectors) {
        List<Entry> out = new ArrayList<>(anyNode);
        List<Entry> own = byAgent.get(agentId);
        if (own != null) {
            out.addAll(own);
        }
        for (Selector s : agentSelectors) {
            List<Entry> bucket = bySelector.get(s);
            if (bucket != null) {
                for (Entry e : bucket) {
                    if (e.parent().admits(agentId, agentSelectors)) {
                        out.add(e);
                    }
                }
            }
        }
        out.sort(BY_ID);
        return out;
    }

    /** The entry with this ID if it is authorized for the agent (the rule of {@link #authorizedFor}). */
    public Optional<Entry> authorizedEntry(SpiffeId agentId, Set<Selector> agentSelectors, String id) {
        Entry e = byId.get(id);
        return e != null && e.parent().admits(agentId, agentSelectors) ? Optional.of(e) : Optional.empty();
    }

    /** Calls {@code c} with every entry, in no particular order (O(entries)). */
    public void forEach(java.util.function.Consumer<Entry> c) {
        byId.forEachValue(c);
    }

    /**
     * Whether any of {@code entries} (IDs may repeat, e.g. an old and a new version) admits an agent: built once for a
     * set of changed entries, asked per agent in O(its candidates).
     */
    public static java.util.function.BiPredicate<SpiffeId, Set<Selector>> admitsAny(Collection<Entry> entries) {
        boolean any = false;
        Set<SpiffeId> agents = new java.util.HashSet<>();
        Map<Selector, List<Parent>> bySelector = new HashMap<>();
        for (Entry e : entries) {
            if (e.parent() instanceof Parent.AgentId a) {
                agents.add(a.id());
            } else if (e.parent() instanceof Parent.NodeSelectors n) {
                bySelector.computeIfAbsent(n.selectors().first(), k -> new ArrayList<>()).add(n);
            } else {
                any = true;
            }
        }
        if (any) {
            return (id, sel) -> true;
        }
        if (agents.isEmpty() && bySelector.isEmpty()) {
            return (id, sel) -> false;
        }
        return (id, sel) -> {
            if (agents.contains(id)) {
                return true;
            }
            for (Selector s : sel) {
                List<Parent> ps = bySelector.get(s);
                if (ps != null) {
                    for (Parent p : ps) {
                        if (p.admits(id, sel)) {
                            return true;
                        }
                    }
                }
            }
            return false;
        };
    }

    /** An immutable hash map split into shards; an update copies one shard only. */
    private static final class Sharded<K, V> {
        private final Map<K, V>[] shards;
        private final int size;

        @SuppressWarnings("unchecked")
        Sharded() {
            this((Map<K, V>[]) new Map[SHARDS], 0);
        }

        private Sharded(Map<K, V>[] shards, int size) {
            this.shards = shards;
            this.size = size;
        }

        @SuppressWarnings("unchecked")
        static <K, V> Sharded<K, V> of(Map<K, V> m) {
            Map<K, V>[] shards = (Map<K, V>[]) new Map[SHARDS];
            for (Map.Entry<K, V> e : m.entrySet()) {
                int i = shard(e.getKey());
                if (shards[i] == null) {
                    shards[i] = new HashMap<>();
                }
                shards[i].put(e.getKey(), e.getValue());
            }
            return new Sharded<>(shards, m.size());
        }

        private static int shard(Object key) {
            int h = key.hashCode();
            h ^= h >>> 16;
            return h & (SHARDS - 1);
        }

        V get(K key) {
            Map<K, V> s = shards[shard(key)];
            return s == null ? null : s.get(key);
        }

        int size() {
            return size;
        }

        /** This map with {@code key} mapped to {@code value}, or removed when {@code value} is null. */
        Sharded<K, V> withValue(K key, V value) {
            if (value == null) {
                return without(key);
            }
            int i = shard(key);
            Map<K, V> s = shards[i] == null ? new HashMap<>() : new HashMap<>(shards[i]);
            boolean added = s.put(key, value) == null;
            Map<K, V>[] copy = Arrays.copyOf(shards, SHARDS);
            copy[i] = s;
            return new Sharded<>(copy, added ? size + 1 : size);
        }

        Sharded<K, V> without(K key) {
            int i = shard(key);
            if (shards[i] == null || !shards[i].containsKey(key)) {
                return this;
            }
            Map<K, V> s = new HashMap<>(shards[i]);
            s.remove(key);
            Map<K, V>[] copy = Arrays.copyOf(shards, SHARDS);
            copy[i] = s.isEmpty() ? null : s;
            return new Sharded<>(copy, size - 1);
        }

        void forEachValue(java.util.function.Consumer<V> c) {
            for (Map<K, V> s : shards) {
                if (s != null) {
                    s.values().forEach(c);
                }
            }
        }
    }
}
