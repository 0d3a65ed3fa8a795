package dev.signet.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.intention.Action;
import dev.signet.core.intention.Intention;
import dev.signet.core.intention.IntentionDestination;
import dev.signet.core.intention.IntentionSource;
import dev.signet.testing.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract of {@link IntentionStore} every {@link Datastore} backend must pass. */
public abstract class IntentionStoreContract {
    protected static final Instant START = Instant.parse("2026-03-01T10:00:00.123456Z");
    protected final ManualClock clock = new ManualClock(START);
    private final List<Datastore> opened = new ArrayList<>();
    protected Datastore store;

    /** Opens a datastore on this test's storage (the same storage on every call within a test). */
    protected abstract Datastore newDatastore(Clock clock);

    @BeforeEach
    void open() {
        store = reopen();
    }

    protected Datastore reopen() {
        Datastore d = newDatastore(clock);
        opened.add(d);
        return d;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(Datastore::close);
    }

    @Test
    void createAssignsIdAndWholeSecondTimesAndReadsBack() {
        Intention created = store.intentions().create(Intention.of("web", "db", Action.ALLOW, "web reads the db"));
        assertThat(created.id()).isNotBlank();
        assertThat(created.createdAt()).isEqualTo(Instant.parse("2026-03-01T10:00:00Z")).isEqualTo(created.updatedAt());
        assertThat(store.intentions().get(created.id())).contains(created);
        assertThat(reopen().intentions().list()).containsExactly(created);
    }

    @Test
    void everySourceKindRoundTrips() {
        List<String> sources = List.of("web", "prod/web", "prod/*", "*", "spiffe://other.org/x", "spiffe://other.org");
        for (String s : sources) {
            store.intentions().create(Intention.of(s, "prod/db", Action.DENY, ""));
        }
        assertThat(store.intentions().list()).extracting(i -> i.source().toString())
                .containsExactlyInAnyOrderElementsOf(sources);
        assertThat(store.intentions().list()).allSatisfy(i -> {
            assertThat(i.destination()).isEqualTo(IntentionDestination.parse("prod/db"));
            assertThat(i.action()).isEqualTo(Action.DENY);
        });
    }

    @Test
    void onePerSourceAndDestination() {
        store.intentions().create(Intention.of("web", "db", Action.ALLOW, ""));
        assertThatThrownBy(() -> store.intentions().create(Intention.of("default/web", "default/db", Action.DENY, "")))
                .isInstanceOf(StoreException.AlreadyExists.class)
                .hasMessageContaining("web").hasMessageContaining("db");
        store.intentions().create(Intention.of("web", "api", Action.DENY, ""));
        assertThat(store.intentions().list()).hasSize(2);
    }

    @Test
    void findAndDelete() {
        Intention a = store.intentions().create(Intention.of("web", "db", Action.ALLOW, ""));
        assertThat(store.intentions().find(IntentionSource.parse("web"), IntentionDestination.parse("default/db"))).contains(a);
        assertThat(store.intentions().find(IntentionSource.parse("api"), IntentionDestination.parse("db"))).isEmpty();
        assertThat(store.intentions().delete(a.id())).isTrue();
        assertThat(store.intentions().delete(a.id())).isFalse();
        assertThat(store.intentions().get(a.id())).isEmpty();
        assertThat(store.intentions().list()).isEmpty();
    }

    @Test
    void changesBumpTheChangeCounter() {
        long c0 = store.entries().changeCounter();
        Intention a = store.intentions().create(Intention.of("web", "db", Action.ALLOW, ""));
        long c1 = store.entries().changeCounter();
        assertThat(c1).isGreaterThan(c0);
        clock.advance(Duration.ofSeconds(1));
        store.intentions().delete(a.id());
        long c2 = store.entries().changeCounter();
        assertThat(c2).isGreaterThan(c1);
        store.intentions().delete(a.id()); // nothing deleted: no change
        assertThat(store.entries().changeCounter()).isEqualTo(c2);
    }
}
