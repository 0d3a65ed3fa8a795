package dev.signet.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CatalogStateTest {
    private static final SpiffeId A = SpiffeId.parse("spiffe://td/spire/agent/join_token/a");
    private static final SpiffeId B = SpiffeId.parse("spiffe://td/spire/agent/join_token/b");
    private static final CatalogState.Active WEB = new CatalogState.Active("svc.web.0", SpiffeId.parse("spiffe://td/web"), 2);

    private final ManualClock clock = new ManualClock();
    private final CatalogState state = new CatalogState(clock);
    private final AtomicInteger changes = new AtomicInteger();

    {
        state.onChange(changes::incrementAndGet);
    }

    @Test
    void aReportExpiresAfterThreeIntervalsWithoutAnother() {
        state.report(A, List.of(WEB));
        state.report(B, List.of(WEB));
        assertThat(changes).hasValue(2);

        clock.advance(Duration.ofSeconds(25));
        state.report(B, List.of(WEB)); // same identities: refreshed, no change
        assertThat(changes).hasValue(2);

        clock.advance(Duration.ofSeconds(6)); // A last reported 31 s ago
        assertThat(state.reports()).containsOnlyKeys(B);
        state.expire();
        assertThat(changes).hasValue(3);
        assertThat(state.reports().get(B).identities()).containsExactly(WEB);

        clock.advance(Duration.ofSeconds(30));
        assertThat(state.reports()).isEmpty();
    }

    @Test
    void aChangedReportReplacesTheLastAndEvictedAgentsAreForgotten() {
        state.report(A, List.of(WEB));
        state.report(A, List.of());
        assertThat(changes).hasValue(2);
        assertThat(state.reports().get(A).identities()).isEmpty();

        state.report(B, List.of(WEB));
        state.retain(id -> !id.equals(B));
        assertThat(state.reports()).containsOnlyKeys(A);
        state.remove(A);
        assertThat(state.reports()).isEmpty();
        assertThat(changes).hasValue(5);
    }
}
