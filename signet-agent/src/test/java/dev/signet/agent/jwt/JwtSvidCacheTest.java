package dev.signet.agent.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.registration.Entry;
import dev.signet.core.registration.Parent;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The agent's JWT-SVID cache: reuse until half-life (SPIRE §1.9), fallback, bounds, and checks of what the server returns. */
class JwtSvidCacheTest {
    private static final Instant T0 = Instant.parse("2026-05-01T12:00:00Z");
    private static final TestJwts.Key KEY = TestJwts.es256("k1");

    private final ManualClock clock = new ManualClock(T0);
    private final FakeMinter minter = new FakeMinter();
    private final JwtSvidCache cache = new JwtSvidCache(minter, clock, 3);
    private final Entry web = entry("e1", "/web", 1);

    private static Entry entry(String id, String path, long revision) {
        return new Entry(id, SpiffeId.parse("spiffe://example.org" + path), new Parent.AnyNode(), new TreeSet<>(), null, List.of(), "",
                revision, T0);
    }

    /** A server that signs 5-minute tokens for whatever it is asked, or fails, or returns what the test says. */
    private final class FakeMinter implements JwtSvidMinter {
        final List<String> calls = new CopyOnWriteArrayList<>();
        volatile String failure;
        volatile java.util.function.BiFunction<Entry, List<String>, String> override;

        @Override
        public String mint(Entry entry, List<String> audience) throws JwtSvidException {
            calls.add(entry.id() + " " + audience);
            if (failure != null) {
                throw new JwtSvidException(failure);
            }
            if (override != null) {
                return override.apply(entry, audience);
            }
            return KEY.sign(TestJwts.claims(entry.spiffeId().toString(), audience, clock.instant(), 300));
        }
    }

    @Test
    void tokenIsReusedUntilHalfLifeThenRefreshed() throws Exception {
        JwtSvid first = cache.fetch(web, List.of("db"));
        assertThat(first.spiffeId().toString()).isEqualTo("spiffe://example.org/web");
        assertThat(first.audience()).containsExactly("db");
        assertThat(first.issuedAt()).isEqualTo(T0);
        assertThat(first.expiresAt()).isEqualTo(T0.plusSeconds(300));

        clock.set(T0.plusSeconds(149));
        assertThat(cache.fetch(web, List.of("db")).token()).isEqualTo(first.token());
        assertThat(minter.calls).hasSize(1);

        clock.set(T0.plusSeconds(150));
        JwtSvid second = cache.fetch(web, List.of("db"));
        assertThat(second.token()).isNotEqualTo(first.token());
        assertThat(second.issuedAt()).isEqualTo(T0.plusSeconds(150));
        assertThat(minter.calls).hasSize(2);
    }

    @Test
    void theKeyIsTheEntryAndTheAudienceSet() throws Exception {
        JwtSvid ab = cache.fetch(web, List.of("b", "a"));
        assertThat(cache.fetch(web, List.of("a", "b", "a")).token()).isEqualTo(ab.token());
        assertThat(minter.calls).containsExactly("e1 [a, b]");

        assertThat(cache.fetch(web, List.of("a")).token()).isNotEqualTo(ab.token());
        assertThat(cache.fetch(entry("e2", "/web", 1), List.of("a", "b")).token()).isNotEqualTo(ab.token());
        assertThat(minter.calls).containsExactly("e1 [a, b]", "e1 [a]", "e2 [a, b]");
    }

    @Test
    void aChangedEntryGetsAFreshToken() throws Exception {
        JwtSvid before = cache.fetch(web, List.of("db"));
        Entry renamed = new Entry("e1", SpiffeId.parse("spiffe://example.org/api"), new Parent.AnyNode(), new TreeSet<>(), null, List.of(),
                "", 2, T0);
        JwtSvid after = cache.fetch(renamed, List.of("db"));
        assertThat(after.spiffeId().toString()).isEqualTo("spiffe://example.org/api");
        assertThat(after.token()).isNotEqualTo(before.token());
    }

    @Test
    void whenTheServerFailsTheCachedTokenIsServedUntilItExpires() throws Exception {
        JwtSvid first = cache.fetch(web, List.of("db"));
        minter.failure = "server: UNAVAILABLE: io exception";

        clock.set(T0.plusSeconds(299));
        assertThat(cache.fetch(web, List.of("db")).token()).isEqualTo(first.token());
        clock.set(T0.plusSeconds(300));
        assertThatThrownBy(() -> cache.fetch(web, List.of("db"))).isInstanceOf(JwtSvidException.class)
                .hasMessage("server: UNAVAILABLE: io exception");
    }

    @Test
    void withoutACachedTokenAServerFailureIsReported() {
        minter.failure = "server: PERMISSION_DENIED: entry not authorized";
        assertThatThrownBy(() -> cache.fetch(web, List.of("db"))).isInstanceOf(JwtSvidException.class)
                .hasMessage("server: PERMISSION_DENIED: entry not authorized");
        assertThat(cache.size()).isZero();
    }

    @Test
    void leastRecentlyUsedTokensAreDroppedBeyondTheBound() throws Exception {
        cache.fetch(web, List.of("a"));
        cache.fetch(web, List.of("b"));
        cache.fetch(web, List.of("c"));
        cache.fetch(web, List.of("a")); // a is now the most recently used
        cache.fetch(web, List.of("d")); // evicts b
        assertThat(cache.size()).isEqualTo(3);
        minter.calls.clear();

        cache.fetch(web, List.of("a"));
        cache.fetch(web, List.of("c"));
        cache.fetch(web, List.of("d"));
        assertThat(minter.calls).isEmpty();
        cache.fetch(web, List.of("b"));
        assertThat(minter.calls).containsExactly("e1 [b]");
    }

    @Test
    void tokensOfRemovedEntriesAreForgotten() throws Exception {
        cache.fetch(web, List.of("a"));
        cache.fetch(entry("e2", "/api", 1), List.of("a"));
        cache.retainEntries(java.util.Set.of("e2"));
        assertThat(cache.size()).isEqualTo(1);
        cache.clear();
        assertThat(cache.size()).isZero();
    }

    @Test
    void audienceIsRequired() {
        assertThatThrownBy(() -> cache.fetch(web, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cache.fetch(web, List.of("a", ""))).isInstanceOf(IllegalArgumentException.class);
        assertThat(minter.calls).isEmpty();
    }

    // ---- what the server returns is checked before anyone gets it ----

    private void serverReturns(Map<String, Object> claims) {
        minter.override = (e, aud) -> KEY.sign(claims);
    }

    @Test
    void aTokenForAnotherSubjectIsRefused() {
        serverReturns(TestJwts.claims("spiffe://example.org/admin", List.of("db"), T0, 300));
        assertThatThrownBy(() -> cache.fetch(web, List.of("db")))
                .hasMessage("the server returned a JWT-SVID for spiffe://example.org/admin instead of spiffe://example.org/web");
    }

    @Test
    void aTokenForOtherAudiencesIsRefused() {
        serverReturns(TestJwts.claims("spiffe://example.org/web", List.of("db", "extra"), T0, 300));
        assertThatThrownBy(() -> cache.fetch(web, List.of("db")))
                .hasMessage("the server returned a JWT-SVID for audience [db, extra] instead of [db]");
    }

    @Test
    void anExpiredTokenIsRefused() {
        serverReturns(TestJwts.claims("spiffe://example.org/web", List.of("db"), T0.minusSeconds(600), 300));
        assertThatThrownBy(() -> cache.fetch(web, List.of("db"))).hasMessageStartingWith("the server returned a JWT-SVID that expired at ");
    }

    @Test
    void aStructurallyInvalidTokenIsRefused() {
        minter.override = (e, aud) -> TestJwts.sign(TestJwts.header("ES256", null, "JWT"),
                TestJwts.claims(e.spiffeId().toString(), aud, T0, 300), TestJwts.signer(KEY.pair().getPrivate()),
                com.nimbusds.jose.JWSAlgorithm.ES256);
        assertThatThrownBy(() -> cache.fetch(web, List.of("db")))
                .hasMessage("the server returned an invalid JWT-SVID for entry e1: token header is missing the key ID (kid)");
        minter.override = (e, aud) -> "garbage";
        assertThatThrownBy(() -> cache.fetch(web, List.of("db"))).isInstanceOf(JwtSvidException.class);
    }

    @Test
    void aTokenWithoutIatIsDatedWhenReceived() throws Exception {
        Map<String, Object> c = TestJwts.claims("spiffe://example.org/web", List.of("db"), T0, 300);
        c.remove("iat");
        serverReturns(c);
        clock.set(T0.plusSeconds(10));
        JwtSvid svid = cache.fetch(web, List.of("db"));
        assertThat(svid.issuedAt()).isEqualTo(T0.plusSeconds(10));
        assertThat(svid.refreshAt()).isEqualTo(T0.plusSeconds(155));
    }

    @Test
    void toStringNeverShowsTheToken() throws Exception {
        JwtSvid svid = cache.fetch(web, List.of("db"));
        assertThat(svid.toString()).doesNotContain(svid.token()).doesNotContain(svid.token().split("\\.")[2])
                .contains("spiffe://example.org/web");
        assertThat(new ArrayList<>(List.of(svid)).toString()).doesNotContain(svid.token());
        assertThat(Duration.between(svid.issuedAt(), svid.refreshAt())).isEqualTo(Duration.ofSeconds(150));
    }
}
