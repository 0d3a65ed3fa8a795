package dev.signet.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.core.selector.Selector;
import dev.signet.core.template.IdentityTemplate;
import dev.signet.testing.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract of {@link TemplateStore} every {@link Datastore} backend must pass. */
public abstract class TemplateStoreContract {
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

    private static IdentityTemplate full() {
        return new IdentityTemplate(null, "spiffe://example.org/ns/{k8s:ns}/sa/{k8s:sa}",
                new TreeSet<>(List.of(Selector.parse("k8s:container-name:app"), Selector.parse("k8s:pod-label:a:b"))),
                new TreeSet<>(List.of(Selector.parse("join_token:label:env:prod"))), Duration.ofMinutes(10),
                Duration.ofMinutes(3), List.of("a.example.org", "b.example.org"), "internal", null);
    }

    @Test
    void createAssignsIdAndWholeSecondTimeAndRoundTrips() {
        IdentityTemplate created = store.templates().create(full());
        assertThat(created.id()).isNotBlank();
        assertThat(created.createdAt()).isEqualTo(Instant.parse("2026-03-01T10:00:00Z"));
        assertThat(store.templates().get(created.id())).contains(created);
        assertThat(reopen().templates().list()).containsExactly(created);
    }

    @Test
    void minimalTemplateRoundTrips() {
        IdentityTemplate t = store.templates().create(new IdentityTemplate(null, "spiffe://example.org/uid/{unix:uid}",
                null, null, null, null, null, null, null));
        IdentityTemplate read = store.templates().get(t.id()).orElseThrow();
        assertThat(read).isEqualTo(t);
        assertThat(read.selectors()).isEmpty();
        assertThat(read.nodeSelectors()).isEmpty();
        assertThat(read.dnsNames()).isEmpty();
        assertThat(read.x509Ttl()).isNull();
    }

    @Test
    void deleteAndChangeCounter() {
        long c0 = store.entries().changeCounter();
        IdentityTemplate t = store.templates().create(full());
        long c1 = store.entries().changeCounter();
        assertThat(c1).isGreaterThan(c0);
        assertThat(store.templates().delete(t.id())).isTrue();
        assertThat(store.entries().changeCounter()).isGreaterThan(c1);
        assertThat(store.templates().delete(t.id())).isFalse();
        assertThat(store.templates().get(t.id())).isEmpty();
        assertThat(store.templates().list()).isEmpty();
    }
}
