package dev.signet.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.server.store.Datastore;
import dev.signet.server.store.sql.SqliteDatastore;
import dev.signet.testing.ManualClock;
import dev.signet.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CatalogState} on a real datastore. "Server A" and "server B" are two CatalogStates on two datastores opened
 * on the same SQLite file, as two servers share one database: B learns of A's changes only through the store's
 * catalog feed (for SQLite, another instance's commits are noticed by polling).
 */
class CatalogStateTest {
    private static final SpiffeId A = SpiffeId.parse("spiffe://td/spire/agent/join_token/a");
    private static final SpiffeId B = SpiffeId.parse("spiffe://td/spire/agent/join_token/b");
    private static final CatalogState.Active WEB = new CatalogState.Active("svc.web.0", SpiffeId.parse("spiffe://td/web"), 2);
    private static final CatalogState.Active DB = new CatalogState.Active("db-1", SpiffeId.parse("spiffe://td/db"), 1);
    private static final Duration FEED = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:00Z"));
    private Datastore storeA;
    private Datastore storeB;
    private CatalogState state;
    private CatalogState stateB;
    private final AtomicInteger changes = new AtomicInteger();
    private final AtomicInteger changesB = new AtomicInteger();

    @BeforeEach
    void open() {
        storeA = SqliteDatastore.open(dir, clock);
        storeB = SqliteDatastore.open(dir, clock);
        state = new CatalogState(storeA.catalogReports(), clock);
        state.onChange(changes::incrementAndGet);
        state.start();
        stateB = new CatalogState(storeB.catalogReports(), clock);
        stateB.onChange(changesB::incrementAndGet);
        stateB.start();
    }

    @AfterEach
    void close() {
        state.close();
        stateB.close();
        storeA.close();
        storeB.close();
    }

    @Test
    void aReportExpiresAfterThreeIntervalsWithoutAnother() {
        state.report(A, List.of(WEB));
        state.report(B, List.of(WEB));
        assertThat(changes).hasValue(2);

        clock.advance(Duration.ofSeconds(25));
        state.report(B, List.of(WEB)); // same identities: refreshed, no change
        assertThat(changes).hasValue(2);
        assertThat(state.reports().get(B).at()).isEqualTo(clock.instant());

        clock.advance(Duration.ofSeconds(6)); // A last reported 31 s ago
        state.expire();
        assertThat(changes).hasValue(3);
        assertThat(state.reports()).containsOnlyKeys(B);
        assertThat(state.reports().get(B).identities()).containsExactly(WEB);
        state.expire(); // nothing more to expire
        assertThat(changes).hasValue(3);

        clock.advance(Duration.ofSeconds(30));
        state.expire();
        assertThat(state.reports()).isEmpty();
        assertThat(storeA.catalogReports().list()).isEmpty();
    }

    @Test
    void aChangedReportReplacesTheLastAndEvictedAgentsAreForgotten() {
        state.report(A, List.of(WEB));
        state.report(A, List.of());
        assertThat(changes).hasValue(2);
        assertThat(state.reports().get(A).identities()).isEmpty();
        state.report(A, List.of(), "10.0.0.7"); // the address is part of the report
        assertThat(changes).hasValue(3);
        assertThat(state.report(A).orElseThrow().address()).isEqualTo("10.0.0.7");

        state.report(B, List.of(WEB));
        state.retain(id -> !id.equals(B));
        assertThat(state.reports()).containsOnlyKeys(A);
        state.remove(A);
        assertThat(state.reports()).isEmpty();
        assertThat(changes).hasValue(6);
        assertThat(storeA.catalogReports().list()).isEmpty();
        state.remove(A); // nothing to remove
        assertThat(changes).hasValue(6);
    }

    @Test
    void aReportThroughOneServerIsVisibleThroughTheOtherAndAnUnchangedOneRaisesNoCounter() {
        long entryCounter = storeA.entries().changeCounter();
        state.report(A, List.of(WEB, DB), "10.0.0.1");
        Poll.until(FEED, "server B's catalog shows the agent that reported to A",
                () -> stateB.report(A).map(r -> r.identities().equals(List.of(WEB, DB))).orElse(false));
        assertThat(stateB.report(A).orElseThrow().address()).isEqualTo("10.0.0.1");
        assertThat(changesB).hasValue(1);

        // Periodic reports, unchanged, through A and (after a failover, from the same address) through B: no counter
        // moves, so no server reloads anything, and B keeps the agent although none of these signals it.
        long catalogCounter = storeA.catalogReports().changeCounter();
        for (int i = 0; i < 3; i++) {
            clock.advance(CatalogState.REPORT_INTERVAL);
            (i < 2 ? state : stateB).report(A, List.of(WEB, DB), "10.0.0.1");
        }
        assertThat(storeB.catalogReports().changeCounter()).isEqualTo(catalogCounter);
        assertThat(storeB.entries().changeCounter()).as("catalog reports never raise the entries' change counter")
                .isEqualTo(entryCounter);
        assertThat(changes).hasValue(1);
        // A's periodic reload picks up the report time B's refresh wrote; nothing expires (the last report is fresh).
        clock.advance(Duration.ofSeconds(21));
        state.expire();
        stateB.expire();
        assertThat(state.report(A).orElseThrow().at()).isEqualTo(clock.instant().minusSeconds(21));
        assertThat(stateB.reports()).containsOnlyKeys(A);
        assertThat(changes).hasValue(1);
        assertThat(changesB).hasValue(1);

        // A change through B reaches A's catalog; so does B's expiry of the agent once it stops reporting.
        stateB.report(A, List.of(DB), "10.0.0.1");
        Poll.until(FEED, "server A's catalog shows the change reported to B",
                () -> state.report(A).map(r -> r.identities().equals(List.of(DB))).orElse(false));
        assertThat(changes).hasValue(2);
        clock.advance(Duration.ofSeconds(31));
        stateB.expire();
        Poll.until(FEED, "server A's catalog drops the agent B expired", () -> state.reports().isEmpty());
        assertThat(changes).hasValue(3);
        assertThat(storeA.entries().changeCounter()).isEqualTo(entryCounter);
    }
}
