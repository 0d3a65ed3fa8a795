package dev.signet.server.catalog;

import dev.signet.core.spiffeid.SpiffeId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Which identities each agent currently serves, as the agents report them ({@code AgentApi.ReportActive}):
 * per agent, the full set of its last report and when it came. Kept in memory only: after a server restart
 * it refills within one report interval. A report older than three intervals counts as gone.
 * Listeners hear about every change (a report that differs, an expiry, a removal).
 */
public final class CatalogState {
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
    }

    private final Clock clock;
    private final Duration ttl;
    private final Map<SpiffeId, Report> reports = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    public CatalogState(Clock clock) {
        this(clock, REPORT_INTERVAL.multipliedBy(3));
    }

    public CatalogState(Clock clock, Duration ttl) {
        this.clock = clock;
        this.ttl = ttl;
    }

    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /** Replaces the agent's report; listeners hear of it only if the identities changed. */
    public void report(SpiffeId agent, List<Active> identities) {
        report(agent, identities, "");
    }

    /** As {@link #report(SpiffeId, List)}, recording the address the agent reported from. */
    public void report(SpiffeId agent, List<Active> identities, String address) {
        Report fresh = new Report(agent, identities, clock.instant(), address);
        Report old = reports.put(agent, fresh);
        if (old == null || !old.identities().equals(fresh.identities()) || !old.address().equals(fresh.address())) {
            changed();
        }
    }

    /** Forgets an agent (evicted, banned). */
    public void remove(SpiffeId agent) {
        if (reports.remove(agent) != null) {
            changed();
        }
    }

    /** Forgets every agent {@code keep} rejects (e.g. no longer in the agent store, or banned). */
    public void retain(Predicate<SpiffeId> keep) {
        if (reports.keySet().removeIf(keep.negate())) {
            changed();
        }
    }

    /** Drops reports older than three intervals; call periodically. */
    public void expire() {
        Instant cutoff = clock.instant().minus(ttl);
        if (reports.values().removeIf(r -> r.at().isBefore(cutoff))) {
            changed();
        }
    }

    /** The live reports (expired ones excluded even before {@link #expire} runs), by agent. */
    public Map<SpiffeId, Report> reports() {
        Instant cutoff = clock.instant().minus(ttl);
        Map<SpiffeId, Report> out = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        reports.forEach((k, v) -> {
            if (!v.at().isBefore(cutoff)) {
                out.put(k, v);
            }
        });
        return out;
    }

    public Optional<Report> report(SpiffeId agent) {
        return Optional.ofNullable(reports().get(agent));
    }

    private void changed() {
        listeners.forEach(Runnable::run);
    }
}
