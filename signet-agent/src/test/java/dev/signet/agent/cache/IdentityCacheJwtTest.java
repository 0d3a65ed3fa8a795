package dev.signet.agent.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.agent.TestCerts;
import dev.signet.agent.endpoints.workload.IdentitySource;
import dev.signet.agent.jwt.JwtSvid;
import dev.signet.agent.jwt.JwtSvidCache;
import dev.signet.agent.jwt.JwtSvidException;
import dev.signet.agent.jwt.TestJwts;
import dev.signet.core.bundle.JwtAuthority;
import dev.signet.core.bundle.TrustBundle;
import dev.signet.core.registration.Entry;
import dev.signet.core.registration.Parent;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The identity cache's JWT side: JWT authorities in the bundle and its notifications, entries for FetchJWTSVID, the JWT-SVID cache. */
class IdentityCacheJwtTest {
    private static final TestCerts PKI = new TestCerts("example.org");
    private static final Set<Selector> WEB = Set.of(Selector.parse("unix:uid:1000"));
    private static final TestJwts.Key K1 = TestJwts.es256("k1");
    private static final TestJwts.Key K2 = TestJwts.es256("k2");

    private final ManualClock clock = new ManualClock(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    private final IdentityCache cache = new IdentityCache(PKI.trustDomain, new Random(1));
    private final List<String> minted = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        cache.close();
    }

    private static Entry entry(String id, String path, String hint) {
        return new Entry(id, SpiffeId.parse("spiffe://example.org" + path), new Parent.AnyNode(), new TreeSet<>(WEB), null, List.of(), hint, 1,
                Instant.parse("2026-01-01T00:00:00Z"));
    }

    private static TrustBundle bundle(long sequence, JwtAuthority... jwt) {
        return new TrustBundle(PKI.trustDomain, List.of(PKI.ca), List.of(jwt), sequence, null);
    }

    private X509Identity x509(Entry e) {
        TestCerts.Leaf l = PKI.leaf(e.spiffeId().path(), clock.instant().minusSeconds(60), clock.instant().plus(Duration.ofHours(1)));
        return new X509Identity(e, List.of(l.cert()), l.key().getPrivate());
    }

    private void attachMinter() {
        cache.setJwtSvids(new JwtSvidCache((e, aud) -> {
            minted.add(e.id());
            return K1.sign(TestJwts.claims(e.spiffeId().toString(), aud, clock.instant(), 300));
        }, clock, 10));
    }

    @Test
    void theBundleCarriesTheJwtAuthorities() {
        cache.update(List.of(), bundle(1, K1.authority()));
        WorkloadUpdate u = cache.current(WEB);
        assertThat(u.trustBundle().jwtAuthorities()).containsExactly(K1.authority());
        assertThat(u.bundle()).containsExactly(PKI.ca);
        assertThat(cache.trustBundle().sequence()).isEqualTo(1);
    }

    @Test
    void aBundleOfAnotherTrustDomainIsRefused() {
        TrustBundle other = new TrustBundle(new TrustDomain("other.org"), List.of(), List.of(), 1, null);
        assertThatThrownBy(() -> cache.update(List.of(), other)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aJwtKeyRotationNotifiesSubscribersButASequenceBumpAloneDoesNot() throws Exception {
        Entry web = entry("e1", "/web", "");
        cache.update(List.of(web), bundle(1, K1.authority()));
        cache.put(List.of(x509(web)));
        BlockingQueue<WorkloadUpdate> updates = new LinkedBlockingQueue<>();
        try (IdentitySource.Subscription s = cache.subscribe(WEB, updates::add)) {
            assertThat(next(updates).trustBundle().jwtAuthorities()).containsExactly(K1.authority());

            cache.update(List.of(web), bundle(2, K1.authority())); // same content, new sequence: nothing to tell
            cache.update(List.of(web), bundle(3, K1.authority(), K2.authority()));
            WorkloadUpdate rotated = next(updates);
            assertThat(rotated.trustBundle().jwtAuthorities()).containsExactly(K1.authority(), K2.authority());
            assertThat(rotated.trustBundle().sequence()).isEqualTo(3);
            assertThat(updates).isEmpty();
        }
    }

    @Test
    void entriesListsEveryEntitledEntryEvenBeforeItsX509SvidIsMinted() {
        Entry a = entry("a", "/a", "main");
        Entry b = entry("b", "/b", "main"); // same hint, same age, larger ID: hidden
        Entry c = entry("c", "/c", "");
        cache.update(List.of(c, b, a), bundle(1, K1.authority()));
        WorkloadUpdate u = cache.current(WEB);
        assertThat(u.identities()).isEmpty();
        assertThat(u.pending()).isTrue();
        assertThat(u.entries()).extracting(Entry::id).containsExactly("a", "c");
        assertThat(cache.current(Set.of()).entries()).isEmpty();
    }

    @Test
    void jwtSvidsComeFromTheAttachedCacheForAuthorizedEntriesOnly() throws Exception {
        Entry web = entry("e1", "/web", "");
        cache.update(List.of(web), bundle(1, K1.authority()));
        assertThatThrownBy(() -> cache.fetchJwtSvid(web, List.of("db"))).isInstanceOf(JwtSvidException.class)
                .hasMessage("this agent cannot mint JWT-SVIDs");

        attachMinter();
        JwtSvid svid = cache.fetchJwtSvid(web, List.of("db"));
        assertThat(svid.spiffeId()).isEqualTo(web.spiffeId());
        assertThat(cache.fetchJwtSvid(web, List.of("db")).token()).isEqualTo(svid.token());
        assertThat(minted).containsExactly("e1");

        cache.update(List.of(), bundle(1, K1.authority()));
        assertThatThrownBy(() -> cache.fetchJwtSvid(web, List.of("db"))).isInstanceOf(JwtSvidException.class)
                .hasMessage("entry e1 is no longer authorized for spiffe://example.org/web");

        cache.update(List.of(web), bundle(1, K1.authority()));
        cache.fetchJwtSvid(web, List.of("db"));
        assertThat(minted).as("the removed entry's token was forgotten").containsExactly("e1", "e1");
    }

    @Test
    void clearForgetsJwtSvidsToo() throws Exception {
        attachMinter();
        Entry web = entry("e1", "/web", "");
        cache.update(List.of(web), bundle(1, K1.authority()));
        cache.fetchJwtSvid(web, List.of("db"));
        cache.clear();
        assertThatThrownBy(() -> cache.fetchJwtSvid(web, List.of("db"))).isInstanceOf(JwtSvidException.class);
    }

    private static WorkloadUpdate next(BlockingQueue<WorkloadUpdate> q) throws InterruptedException {
        WorkloadUpdate u = q.poll(5, TimeUnit.SECONDS);
        assertThat(u).as("an update within 5 s").isNotNull();
        return u;
    }
}
