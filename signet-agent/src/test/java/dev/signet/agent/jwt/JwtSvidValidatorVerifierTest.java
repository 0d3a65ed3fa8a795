package dev.signet.agent.jwt;

import static dev.signet.agent.jwt.TestJwts.claims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import dev.signet.core.bundle.JwtAuthority;
import dev.signet.core.bundle.TrustBundle;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.SigningProvider;
import dev.signet.testing.ManualClock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verifiers behind {@link JwtSvidValidator}: the signing provider for EC, BouncyCastle for RSA, one per key, dropped with the bundle. */
class JwtSvidValidatorVerifierTest {
    private static final TrustDomain TD = new TrustDomain("example.org");
    private static final String SUB = "spiffe://example.org/web";
    private static final Instant NOW = Instant.parse("2026-05-01T12:00:00Z");

    private final JwtSvidValidator validator = new JwtSvidValidator(new ManualClock(NOW));

    private static TrustBundle bundle(TrustDomain td, long sequence, JwtAuthority... authorities) {
        return new TrustBundle(td, List.of(), List.of(authorities), sequence, null);
    }

    private static String token(TestJwts.Key key) {
        return key.sign(claims(SUB, List.of("db"), NOW, 300));
    }

    private JWSVerifier verifierOf(TrustBundle bundle, TestJwts.Key key) throws Exception {
        return validator.verifier(bundle.trustDomain(), bundle, key.alg().getName(), key.authority(), key.kid());
    }

    @Test
    void ecAndRsaSignaturesAreVerifiedWithTheCryptoProvider() throws Exception {
        TestJwts.Key ec = TestJwts.es256("ec");
        TestJwts.Key rsa = TestJwts.rsa("rsa", JWSAlgorithm.PS256);
        TrustBundle b = bundle(TD, 1, ec.authority(), rsa.authority());
        validator.validate(token(ec), "db", Map.of(TD, b));
        validator.validate(token(rsa), "db", Map.of(TD, b));

        JWSVerifier ecVerifier = verifierOf(b, ec);
        JWSVerifier rsaVerifier = verifierOf(b, rsa);
        assertThat(ecVerifier).isInstanceOf(ECDSAVerifier.class);
        assertThat(rsaVerifier).isInstanceOf(RSASSAVerifier.class);
        assertThat(ecVerifier.getJCAContext().getProvider()).isSameAs(Crypto.PROVIDER);
        assertThat(rsaVerifier.getJCAContext().getProvider()).isSameAs(Crypto.PROVIDER);
    }

    /**
     * With Conscrypt chosen (the agent's default where it loads), EC tokens of every JWT-SVID curve verify on its
     * provider with its own key objects, a tampered signature or a token of another key is still refused, and RSA stays
     * on BouncyCastle.
     */
    @Test
    void onConscryptEcSignaturesVerifyNativelyAndForgeriesAreStillRefused() throws Exception {
        SigningProvider conscrypt = SigningProvider.select(SigningProvider.Choice.CONSCRYPT);
        JwtSvidValidator v = new JwtSvidValidator(new ManualClock(NOW), conscrypt);
        TestJwts.Key p256 = TestJwts.es256("p256");
        TestJwts.Key p384 = TestJwts.ec("p384", "secp384r1", JWSAlgorithm.ES384);
        TestJwts.Key p521 = TestJwts.ec("p521", "secp521r1", JWSAlgorithm.ES512);
        TestJwts.Key other = TestJwts.es256("p256"); // same kid, different key
        TestJwts.Key rsa = TestJwts.rsa("rsa", JWSAlgorithm.RS256);
        TrustBundle b = bundle(TD, 1, p256.authority(), p384.authority(), p521.authority(), rsa.authority());
        for (TestJwts.Key k : List.of(p256, p384, p521, rsa)) {
            assertThat(v.validate(token(k), "db", Map.of(TD, b)).spiffeId().toString()).isEqualTo(SUB);
        }
        for (TestJwts.Key k : List.of(p256, p384, p521)) {
            JWSVerifier ver = v.verifier(TD, b, k.alg().getName(), k.authority(), k.kid());
            assertThat(ver.getJCAContext().getProvider()).as(k.kid()).isSameAs(conscrypt.provider());
            assertThat(conscrypt.owns(((ECDSAVerifier) ver).getPublicKey())).as("translated once into Conscrypt's key").isTrue();
        }
        assertThat(v.verifier(TD, b, "RS256", rsa.authority(), "rsa").getJCAContext().getProvider()).isSameAs(Crypto.PROVIDER);

        String good = token(p256);
        String[] parts = good.split("\\.");
        byte[] sig = com.nimbusds.jose.util.Base64URL.from(parts[2]).decode();
        sig[5] ^= 1;
        String tampered = parts[0] + "." + parts[1] + "." + com.nimbusds.jose.util.Base64URL.encode(sig);
        assertThatThrownBy(() -> v.validate(tampered, "db", Map.of(TD, b))).isInstanceOf(JwtSvidValidationException.class)
                .hasMessage("token signature is invalid");
        assertThatThrownBy(() -> v.validate(token(other), "db", Map.of(TD, b))).isInstanceOf(JwtSvidValidationException.class)
                .hasMessage("token signature is invalid");
    }

    @Test
    void oneVerifierPerKeyIsReusedForTheSameBundle() throws Exception {
        TestJwts.Key k1 = TestJwts.es256("k1");
        TestJwts.Key k2 = TestJwts.es256("k2");
        TrustBundle b = bundle(TD, 1, k1.authority(), k2.authority());
        validator.validate(token(k1), "db", Map.of(TD, b));
        JWSVerifier first = verifierOf(b, k1);
        validator.validate(token(k1), "db", Map.of(TD, b));
        validator.validate(token(k2), "db", Map.of(TD, b));
        // an equal bundle (a fresh copy of the same content) keeps the cache
        TrustBundle copy = bundle(TD, 1, k1.authority(), k2.authority());
        validator.validate(token(k1), "db", Map.of(TD, copy));

        assertThat(verifierOf(copy, k1)).isSameAs(first);
        assertThat(verifierOf(b, k2)).isNotSameAs(first);
    }

    @Test
    void aChangedBundleDropsTheVerifiersEvenForTheSameKeyId() throws Exception {
        TestJwts.Key old = TestJwts.es256("k1");
        TestJwts.Key rotated = TestJwts.es256("k1"); // same kid, new key
        TrustBundle before = bundle(TD, 1, old.authority());
        TrustBundle after = bundle(TD, 2, rotated.authority());
        validator.validate(token(old), "db", Map.of(TD, before));
        JWSVerifier oldVerifier = verifierOf(before, old);

        assertThat(validator.validate(token(rotated), "db", Map.of(TD, after)).spiffeId().toString()).isEqualTo(SUB);
        assertThatThrownBy(() -> validator.validate(token(old), "db", Map.of(TD, after)))
                .isInstanceOf(JwtSvidValidationException.class).hasMessage("token signature is invalid");
        assertThat(verifierOf(after, rotated)).isNotSameAs(oldVerifier);
        // and back: the old bundle builds a verifier of its own again
        assertThat(validator.validate(token(old), "db", Map.of(TD, before)).spiffeId().toString()).isEqualTo(SUB);
    }

    @Test
    void theCacheIsBoundedInTrustDomains() throws Exception {
        TestJwts.Key k = TestJwts.es256("k1");
        for (int i = 0; i < JwtSvidValidator.MAX_CACHED_TRUST_DOMAINS * 2 + 3; i++) {
            TrustDomain td = new TrustDomain("td" + i + ".example");
            TestJwts.Key key = k;
            String token = key.sign(claims("spiffe://" + td.name() + "/w", List.of("db"), NOW, 300));
            validator.validate(token, "db", Map.of(td, bundle(td, 1, key.authority())));
            assertThat(validator.cachedTrustDomains()).isBetween(1, JwtSvidValidator.MAX_CACHED_TRUST_DOMAINS);
        }
    }
}
