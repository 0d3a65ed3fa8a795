package dev.signet.server.api.agent;

import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.server.store.AgentRecord;
import dev.signet.server.store.AgentStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent records {@link AgentAuthenticator} checks on every call, kept in memory so the common path (an agent
 * using its current SVID) reads no database and takes no lock.
 *
 * <p>It is an {@link AgentStore} decorator: every write made through it (attestation, renewal, promotion) goes to the
 * store and then drops that agent's cached record before returning, so the next call reads the committed state.
 * Writes made elsewhere in this server must call {@link #invalidate} / {@link #invalidateAll} just as synchronously
 * (the admin API's ban and evict do, through the server's agents-changed hook). Writes by other servers sharing the
 * database arrive through the datastore's change feed, which calls {@link #invalidateAll}; as a safety net no cached
 * record is used for longer than {@code maxAge} (by the injected clock) — the bound documented in
 * docs/multi-server.md. {@link #get} and {@link #list} always read the store: decisions that write (attestation,
 * renewal, promotion) are made on fresh records.
 *
 * <p>Races: a load that overlaps an invalidation is not kept (a generation counter, read before the load and checked
 * after storing), so a record read before a write committed can never outlive that write's invalidation. Memory:
 * one small entry per agent that called within the last few bounds; expired entries are swept as loads happen, and
 * invalidation (eviction) removes entries at once.
 */
public final class AgentRecordCache implements AgentStore {
    /** Default bound on how long a cached record is trusted. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(1);

    private record Cached(AgentRecord record, Instant until) {}

    private final AgentStore store;
    private final Clock clock;
    private final Duration maxAge;
    private final ConcurrentHashMap<SpiffeId, Cached> records = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();
    private final AtomicLong loads = new AtomicLong();
    private volatile Instant nextSweep = Instant.MIN;

    public AgentRecordCache(AgentStore store, Clock clock, Duration maxAge) {
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("maxAge must be positive: " + maxAge);
        }
        this.store = store;
        this.clock = clock;
        this.maxAge = maxAge;
    }

    public AgentRecordCache(AgentStore store, Clock clock) {
        this(store, clock, DEFAULT_MAX_AGE);
    }

    /**
     * The agent's record as cached, or read from the store when there is none younger than the bound. Empty when
     * the agent has no record (never attested, or evicted); that answer is cached too.
     */
    public Optional<AgentRecord> cached(SpiffeId id) {
        Instant now = clock.instant();
        Cached c = records.get(id);
        if (c != null && now.isBefore(c.until())) {
            return Optional.ofNullable(c.record());
        }
        return load(id, now);
    }

    /** Reads the agent's record from the store now and caches it (for a decision the cached copy must not make). */
    public Optional<AgentRecord> refresh(SpiffeId id) {
        return load(id, clock.instant());
    }

    private Optional<AgentRecord> load(SpiffeId id, Instant now) {
        long g = generation.get();
        Optional<AgentRecord> fresh = store.get(id);
        Cached c = new Cached(fresh.orElse(null), now.plus(maxAge));
        records.put(id, c);
        if (generation.get() != g) {
            // an invalidation overlapped the read: it may predate the write that caused it; don't keep it
            records.remove(id, c);
        }
        loads.incrementAndGet();
        sweep(now);
        return fresh;
    }

    private void sweep(Instant now) {
        if (now.isBefore(nextSweep)) {
            return;
        }
        nextSweep = now.plus(maxAge.multipliedBy(10));
        records.values().removeIf(c -> !now.isBefore(c.until()));
    }

    /** Forgets one agent's cached record; call after any write to it that did not go through this object. */
    public void invalidate(SpiffeId id) {
        generation.incrementAndGet();
        records.remove(id);
    }

    /** Forgets every cached record (the change feed: something may have changed, possibly on another server). */
    public void invalidateAll() {
        generation.incrementAndGet();
        records.clear();
    }

    /** Records currently held (tests, diagnostics). */
    int size() {
        return records.size();
    }

    /** Store reads made for the cache so far (tests, diagnostics). */
    long loads() {
        return loads.get();
    }

    // ---- AgentStore: writes go through and invalidate; reads are fresh ----

    @Override
    public void create(AgentRecord agent) {
        try {
            store.create(agent);
        } finally {
            invalidate(agent.id());
        }
    }

    @Override
    public Optional<AgentRecord> get(SpiffeId id) {
        return store.get(id);
    }

    @Override
    public void update(AgentRecord agent) {
        try {
            store.update(agent);
        } finally {
            invalidate(agent.id());
        }
    }

    @Override
    public boolean delete(SpiffeId id) {
        try {
            return store.delete(id);
        } finally {
            invalidate(id);
        }
    }

    @Override
    public List<AgentRecord> list() {
        return store.list();
    }
}
