package dev.signet.agent.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.agent.TestCerts;
import dev.signet.core.bundle.TrustBundle;
import dev.signet.core.registration.Entry;
import dev.signet.core.registration.Parent;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.template.IdentityTemplate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Identities derived from templates: derived on demand per workload, minted, served after entries, dropped with the template. */
class IdentityCacheTemplateTest {
    private static final TestCerts PKI = new TestCerts("example.org");
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private final IdentityCache cache = new IdentityCache(PKI.trustDomain, new Random(7));
    private final TrustBundle bundle = new TrustBundle(PKI.trustDomain, List.of(), List.of(), 0, null);
    private final AtomicInteger derivedSignals = new AtomicInteger();

    @AfterEach
    void close() {
        cache.close();
    }

    private static Set<Selector> sels(String... s) {
        return Arrays.stream(s).map(Selector::parse).collect(Collectors.toSet());
    }

    private static IdentityTemplate template(String id, String t, String... fixed) {
        return new IdentityTemplate(id, t, new TreeSet<>(sels(fixed)), null, Duration.ofMinutes(10), null, List.of(), "", NOW);
    }

    private X509Identity minted(Entry e) {
        TestCerts.Leaf l = PKI.leaf(e.spiffeId().path(), NOW.minusSeconds(60), NOW.plus(Duration.ofHours(1)));
        return new X509Identity(e, List.of(l.cert()), l.key().getPrivate());
    }

    /** What a fake agent manager does: mint every due templated identity. */
    private void mintDue() {
        for (IdentityCache.Templated t : cache.dueTemplated(NOW)) {
            cache.put(List.of(minted(t.entry())), NOW);
        }
    }

    @Test
    void eachWorkloadGetsItsOwnDerivedIdentityAfterItsEntries() {
        cache.setOnDerived(derivedSignals::incrementAndGet);
        Entry web = new Entry("e1", SpiffeId.parse("spiffe://example.org/web"), new Parent.AnyNode(),
                new TreeSet<>(sels("unix:uid:1000")), null, List.of(), "", 1, NOW);
        cache.update(List.of(web), List.of(template("t1", "spiffe://example.org/uid/{unix:uid}")), bundle);
        cache.put(List.of(minted(web)), NOW);
        assertThat(cache.dueTemplated(NOW)).isEmpty(); // nothing derived before a workload asks

        WorkloadUpdate first = cache.current(sels("unix:uid:1000", "unix:gid:10"));
        assertThat(first.pending()).isTrue();
        assertThat(derivedSignals).hasValue(1);
        assertThat(cache.dueTemplated(NOW)).extracting(t -> t.entry().spiffeId().toString())
                .containsExactly("spiffe://example.org/uid/1000");
        mintDue();

        WorkloadUpdate u = cache.current(sels("unix:uid:1000", "unix:gid:10"));
        assertThat(u.pending()).isFalse();
        assertThat(u.identities()).extracting(i -> i.entry().spiffeId().toString())
                .containsExactly("spiffe://example.org/web", "spiffe://example.org/uid/1000");
        assertThat(u.entries()).extracting(Entry::id).containsExactly("e1"); // no JWT-SVIDs for templated IDs
        assertThat(derivedSignals).hasValue(1); // already known: no new signal

        cache.current(sels("unix:uid:2000"));
        mintDue();
        assertThat(cache.current(sels("unix:uid:2000")).identities()).extracting(i -> i.entry().spiffeId().toString())
                .containsExactly("spiffe://example.org/uid/2000");
        assertThat(cache.current(sels("unix:uid:2000")).identities().get(0).entry().id())
                .isEqualTo(IdentityCache.derivedEntryId("t1", SpiffeId.parse("spiffe://example.org/uid/2000")));
    }

    @Test
    void noIdentityWhenTheTemplateCannotDerive() {
        cache.update(List.of(), List.of(template("t1", "spiffe://example.org/user/{unix:user}", "unix:gid:10")), bundle);
        for (Set<Selector> s : List.of(sels("unix:uid:1000"), sels("unix:user:alice"), sels("unix:user:a b", "unix:gid:10"),
                sels("unix:user:alice", "unix:user:bob", "unix:gid:10"))) {
            WorkloadUpdate u = cache.current(s);
            assertThat(u.identities()).as("%s", s).isEmpty();
            assertThat(u.pending()).as("%s", s).isFalse();
        }
        assertThat(cache.dueTemplated(NOW)).isEmpty();
    }

    @Test
    void removingTheTemplateDropsItsIdentitiesAndNotifiesSubscribers() throws Exception {
        BlockingQueue<WorkloadUpdate> updates = new LinkedBlockingQueue<>();
        cache.setOnDerived(() -> mintDue());
        cache.update(List.of(), List.of(template("t1", "spiffe://example.org/uid/{unix:uid}")), bundle);
        cache.subscribe(sels("unix:uid:1000"), updates::add);
        WorkloadUpdate u = updates.poll(5, TimeUnit.SECONDS);
        while (u != null && u.identities().isEmpty()) {
            u = updates.poll(5, TimeUnit.SECONDS);
        }
        assertThat(u).isNotNull();
        assertThat(u.identities()).extracting(i -> i.entry().spiffeId().toString()).containsExactly("spiffe://example.org/uid/1000");

        cache.update(List.of(), List.of(), bundle);
        WorkloadUpdate gone = updates.poll(5, TimeUnit.SECONDS);
        assertThat(gone).isNotNull();
        assertThat(gone.identities()).isEmpty();
        assertThat(gone.pending()).isFalse();
        assertThat(cache.dueTemplated(NOW)).isEmpty();
    }

    @Test
    void failedMintingWaitsBeforeRetrying() {
        cache.update(List.of(), List.of(template("t1", "spiffe://example.org/uid/{unix:uid}")), bundle);
        cache.current(sels("unix:uid:1000"));
        IdentityCache.Templated t = cache.dueTemplated(NOW).get(0);
        cache.templatedFailed(t.entry().id(), NOW.plusSeconds(30));
        assertThat(cache.dueTemplated(NOW)).isEmpty();
        assertThat(cache.dueTemplated(NOW.plusSeconds(30))).hasSize(1);
    }
}
