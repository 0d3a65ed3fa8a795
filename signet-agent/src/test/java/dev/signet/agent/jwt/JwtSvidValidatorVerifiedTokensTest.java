package dev.signet.agent.jwt;

import static dev.signet.agent.jwt.TestJwts.claims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.bundle.JwtAuthority;
import dev.signet.core.bundle.TrustBundle;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The tokens {@link JwtSvidValidator} remembers as verified: only the signature result is reused, never the
 * verdict on time or audience, and never across a key or bundle change.
 */
class JwtSvidValidatorVerifiedTokensTest {
    private static final TrustDomain TD = new TrustDomain("example.org");
    private static final String SUB = "spiffe://example.org/web";
    private static final Instant NOW = Instant.parse("2026-05-01T12:00:00Z");

    private final ManualClock clock = new ManualClock(NOW);
    private final JwtSvidValidator validator = new JwtSvidValidator(clock);

    private static TrustBundle bundle(long sequence, JwtAuthority... authorities) {
        return new TrustBundle(TD, List.of(), List.of(authorities), sequence, null);
    }

    @Test
    void aRememberedTokenStillExpiresWithTheClock() throws Exception {
        TestJwts.Key k = TestJwts.es256("k1");
        TrustBundle b = bundle(1, k.authority());
        String token = k.sign(claims(SUB, List.of("db"), NOW, 300));
        validator.validate(token, "db", Map.of(TD, b));
        validator.validate(token, "db", Map.of(TD, b));
        assertThat(validator.verifiedTokens(TD, "k1")).isEqualTo(1);

        clock.advance(Duration.ofSeconds(299));
        assertThat(validator.validate(token, "db", Map.of(TD, b)).spiffeId().toString()).isEqualTo(SUB);
        clock.advance(Duration.ofSeconds(1));
        assertThatThrownBy(() -> validator.validate(token, "db", Map.of(TD, b)))
                .isInstanceOf(JwtSvidValidationException.class).hasMessage("token has expired");
    }

    @Test
    void aRememberedTokenStillNeedsTheAudience() throws Exception {
        TestJwts.Key k = TestJwts.es256("k1");
        TrustBundle b = bundle(1, k.authority());
        String token = k.sign(claims(SUB, List.of("db"), NOW, 300));
        validator.validate(token, "db", Map.of(TD, b));

        assertThatThrownBy(() -> validator.validate(token, "web", Map.of(TD, b)))
                .isInstanceOf(JwtSvidValidationException.class).hasMessageStartingWith("expected audience in [\"web\"]");
    }

    @Test
    void aRememberedTokenIsRejectedOnceItsKeyIsReplacedOrRemoved() throws Exception {
        TestJwts.Key old = TestJwts.es256("k1");
        TestJwts.Key rotated = TestJwts.es256("k1"); // same kid, another key
        TestJwts.Key other = TestJwts.es256("k2");
        String token = old.sign(claims(SUB, List.of("db"), NOW, 300));
        validator.validate(token, "db", Map.of(TD, bundle(1, old.authority())));
        assertThat(validator.verifiedTokens(TD, "k1")).isEqualTo(1);

        assertThatThrownBy(() -> validator.validate(token, "db", Map.of(TD, bundle(2, rotated.authority()))))
                .isInstanceOf(JwtSvidValidationException.class).hasMessage("token signature is invalid");
        assertThat(validator.verifiedTokens(TD, "k1")).isZero();
        assertThatThrownBy(() -> validator.validate(token, "db", Map.of(TD, bundle(3, other.authority()))))
                .isInstanceOf(JwtSvidValidationException.class).hasMessageStartingWith("no JWT authority \"k1\"");
    }

    @Test
    void aTokenChangedAfterItsSignatureWasVerifiedIsVerifiedAgainAndRejected() throws Exception {
        TestJwts.Key k = TestJwts.es256("k1");
        TrustBundle b = bundle(1, k.authority());
        String token = k.sign(claims(SUB, List.of("db"), NOW, 300));
        validator.validate(token, "db", Map.of(TD, b));

        String[] parts = token.split("\\.");
        String forged = parts[0] + "." + TestJwts.b64("{\"sub\":\"spiffe://example.org/admin\",\"aud\":[\"db\"],\"exp\":"
                + (NOW.getEpochSecond() + 300) + "}") + "." + parts[2];
        assertThatThrownBy(() -> validator.validate(forged, "db", Map.of(TD, b)))
                .isInstanceOf(JwtSvidValidationException.class).hasMessage("token signature is invalid");
        assertThat(validator.verifiedTokens(TD, "k1")).isEqualTo(1);
    }

    @Test
    void theRememberedTokensAreBoundedPerKey() throws Exception {
        TestJwts.Key k = TestJwts.es256("k1");
        TrustBundle b = bundle(1, k.authority());
        for (int i = 0; i < JwtSvidValidator.MAX_VERIFIED_TOKENS_PER_KEY + 5; i++) {
            String token = k.sign(claims(SUB, List.of("db"), NOW, 300 + i));
            validator.validate(token, "db", Map.of(TD, b));
            assertThat(validator.verifiedTokens(TD, "k1")).isBetween(1, JwtSvidValidator.MAX_VERIFIED_TOKENS_PER_KEY);
        }
    }
}
