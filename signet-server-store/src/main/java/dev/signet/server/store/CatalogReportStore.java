package dev.signet.server.store;

import dev.signet.core.spiffeid.SpiffeId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The service catalog's live state: every agent's last {@link CatalogReport}, shared by all servers on the store so
 * that each serves the same catalog whichever server an agent reports to.
 *
 * <p><b>Changes and their signal.</b> Agents report every 10 s, almost always the same content. Those writes must
 * not wake anything: they only refresh {@code reportedAt}. A report whose content differs from the stored one (or
 * that is new), a deleted report and expired reports are <i>catalog changes</i>: they raise this store's own
 * {@link #changeCounter()} (not {@link EntryStore#changeCounter()}, so entry reloads and pushes to agents never run
 * because of a catalog change) and, on commit, call the listeners registered with {@link #watch} on every server
 * sharing the store — with the same delivery rules as {@link Datastore#watch}, through a separate channel.
 */
public interface CatalogReportStore {
    /**
     * Stores {@code report} as its agent's last report, replacing the previous one in one transaction.
     *
     * @return true if this was a catalog change (no report was stored, or its identities or address differed), which
     *     raised {@link #changeCounter()}; false if only the report time was refreshed
     */
    boolean replace(CatalogReport report);

    /** Every stored report (expired ones too, until {@link #deleteReportedBefore} removes them), ordered by agent ID. */
    List<CatalogReport> list();

    Optional<CatalogReport> get(SpiffeId agent);

    /** Deletes the agent's report (evicted, banned); false if there was none. A deletion is a catalog change. */
    boolean delete(SpiffeId agent);

    /**
     * Deletes every report that arrived before {@code cutoff} and returns how many; any number of servers may call it
     * at once. Deleting at least one is a catalog change; finding none costs one read and writes nothing.
     */
    int deleteReportedBefore(Instant cutoff);

    /** A number that rises with every catalog change committed by any server; equal values mean no change. */
    long changeCounter();

    /**
     * Calls {@code listener} soon after any catalog change is committed by this or another server, with the
     * delivery rules of {@link Datastore#watch} (coalesced, never concurrent, possibly once without a change after a
     * reconnection). Unchanged reports call nothing. Closing the handle stops the calls.
     */
    AutoCloseable watch(Runnable listener);
}
