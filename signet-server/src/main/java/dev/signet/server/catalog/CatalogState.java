package dev.signet.server.catalog;

import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.server.store.CatalogReport;
import dev.signet.server.store.CatalogReportStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which identities each agent currently serves, as the agents report them ({@code AgentApi.ReportActive}): per
 * agent, the full set of its last report, when it came and from which address. The reports live in the datastore
 * ({@link CatalogReportStore}), so every server sharing it serves the same catalog whichever server an agent
 * reports to; this class keeps a cached copy for reads.
 *
 * <p>The cache is reloaded when the store's catalog feed reports a change by any server ({@link #start}), at once
 * after this server's own changes, and in full at least every {@link #REPORT_INTERVAL} (so the report times of
 * unchanged reports, which raise no signal, stay current within one interval). A report older than three intervals
 * counts as gone: {@link #expire} deletes such reports from the store — any server may, it is idempotent — and that
 * deletion is a change every server hears of. Listeners ({@link #onChange}) hear of every change to the cached
 * content (a report that differs, a new or vanished agent), never of a refreshed report time alone.
 */
public final class CatalogState implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CatalogState.class);

    /** How often agents report (they also report soon after a change). */
    public static final Duration REPORT_INTERVAL = Duration.ofSeconds(10);

    /** One identity an agent serves: its entry, SPIFFE ID and how many workload streams receive it. */
    public record Active(String entryId, SpiffeId spiffeId, int workloads) {}

    /** An agent's last report; {@code address} is the IP the report came from ("" if unknown). */
    public record Report(SpiffeId agent, List<Active> identities, Instant at, String address) {
        public Report {
            identities = List.copyOf(identities);
            address = address == null ? "" : address;
        }

        public Report(SpiffeId agent, List<Active> identities, Instant at) {
            this(agent, identities, at, "");
        }

        boolean sameContent(Report other) {
            return other != null && identities.equals(other.identities) && address.equals(other.address);
        }
    }

    private final CatalogReportStore store;
    private final Clock clock;
    private final Duration ttl;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /** The cached reports by agent; replaced as a whole (copy on write), under {@code this}. */
    private volatile Map<SpiffeId, Report> reports = Map.of();
    /** Held by a full load, so loads run one at a time. */
    private final ReentrantLock refreshing = new ReentrantLock();
    /** The store's catalog counter as of the last full load (read before the load); under {@link #refreshing}. */
    private long loadedCounter = Long.MIN_VALUE;
    /** When (by {@link #clock}) the cache was last loaded in full. */
    private Instant loadedAt = Instant.MIN;
    private AutoCloseable feed;

    public CatalogState(CatalogReportStore store, Clock clock) {
        this(store, clock, REPORT_INTERVAL.multipliedBy(3));
    }

    public CatalogState(CatalogReportStore store, Clock clock, Duration ttl) {
        this.store = store;
        this.clock = clock;
        this.ttl = ttl;
    }

    /** Loads the reports and follows the store's catalog changes until {@link #close}; returns this. */
    public CatalogState start() {
        refresh(true);
        feed = store.watch(() -> refresh(false));
        return this;
    }

    /** Calls {@code listener} on every change of the reports' content; it must be quick (it runs under a lock). */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /** Replaces the agent's report; listeners hear of it only if the identities changed. */
    public void report(SpiffeId agent, List<Active> identities) {
        report(agent, identities, "");
    }

    /**
     * As {@link #report(SpiffeId, List)}, recording the address the agent reported from. The store decides whether
     * this is a change (then every server hears of it) or only a refreshed report time.
     *
     * @throws dev.signet.server.store.StoreException if the datastore fails
     */
    public void report(SpiffeId agent, List<Active> identities, String address) {
        Report fresh = new Report(agent, identities, clock.instant(), address);
        if (store.replace(toStore(fresh))) {
            refresh(false); // at once, rather than when the feed calls
            return;
        }
        boolean stale;
        synchronized (this) {
            stale = !fresh.sameContent(reports.get(agent));
            if (!stale) {
                Map<SpiffeId, Report> next = new TreeMap<>(reports);
                next.put(agent, fresh);
                reports = Collections.unmodifiableMap(next);
            }
        }
        if (stale) {
            refresh(true); // another server's change that the feed has not brought yet
        }
    }

    /** Forgets an agent (evicted, banned). */
    public void remove(SpiffeId agent) {
        if (store.delete(agent)) {
            refresh(false);
        }
    }

    /** Forgets every agent {@code keep} rejects (e.g. no longer in the agent store, or banned). */
    public void retain(Predicate<SpiffeId> keep) {
        boolean any = false;
        for (SpiffeId agent : reports.keySet()) {
            if (!keep.test(agent)) {
                any |= store.delete(agent);
            }
        }
        if (any) {
            refresh(false);
        }
    }

    /**
     * Deletes reports older than three intervals from the store, and reloads the cache if that changed anything or
     * the last full load is one interval old. Call every second or so; every server may.
     */
    public void expire() {
        int expired = store.deleteReportedBefore(clock.instant().minus(ttl));
        Instant due;
        synchronized (this) {
            due = loadedAt.plus(REPORT_INTERVAL);
        }
        refresh(expired > 0 || !clock.instant().isBefore(due));
    }

    /** The live reports, by agent (ordered by SPIFFE ID). */
    public Map<SpiffeId, Report> reports() {
        Map<SpiffeId, Report> out = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        out.putAll(reports);
        return out;
    }

    public Optional<Report> report(SpiffeId agent) {
        return Optional.ofNullable(reports.get(agent));
    }

    /** Stops following the store's changes. Idempotent. */
    @Override
    public void close() {
        AutoCloseable f = feed;
        feed = null;
        if (f != null) {
            try {
                f.close();
            } catch (Exception e) {
                log.debug("closing the catalog feed: {}", e.toString());
            }
        }
    }

    /**
     * Reloads the cache from the store if its catalog counter moved since the last load (or always, if {@code force});
     * tells listeners if the content changed. Loads run one at a time, each reading the counter before the reports,
     * so a change committed in between is loaded again on its signal rather than missed, and an older load never
     * replaces a newer one.
     */
    private void refresh(boolean force) {
        refreshing.lock();
        try {
            long counter = store.changeCounter();
            if (!force && counter == loadedCounter) {
                return;
            }
            Instant now = clock.instant();
            Map<SpiffeId, Report> next = new TreeMap<>();
            for (CatalogReport r : store.list()) {
                next.put(r.agent(), fromStore(r));
            }
            boolean differs;
            synchronized (this) {
                differs = !sameContent(reports, next);
                reports = Collections.unmodifiableMap(next);
                loadedCounter = counter;
                loadedAt = now;
            }
            if (differs) {
                changed(); // before the lock is released: whoever waited for this load finds the listeners called
            }
        } finally {
            refreshing.unlock();
        }
    }

    private static boolean sameContent(Map<SpiffeId, Report> a, Map<SpiffeId, Report> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<SpiffeId, Report> e : a.entrySet()) {
            if (!e.getValue().sameContent(b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static CatalogReport toStore(Report r) {
        return new CatalogReport(r.agent(), r.identities().stream()
                .map(a -> new CatalogReport.Identity(a.entryId(), a.spiffeId(), a.workloads())).toList(), r.at(), r.address());
    }

    private static Report fromStore(CatalogReport r) {
        return new Report(r.agent(), r.identities().stream().map(i -> new Active(i.entryId(), i.spiffeId(), i.workloads())).toList(),
                r.reportedAt(), r.address());
    }

    private void changed() {
        listeners.forEach(Runnable::run);
    }
}
