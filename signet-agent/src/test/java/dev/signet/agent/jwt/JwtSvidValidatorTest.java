package dev.signet.agent.jwt;

import static dev.signet.agent.jwt.TestJwts.claims;
import static dev.signet.agent.jwt.TestJwts.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.util.Base64URL;
import dev.signet.agent.TestCerts;
import dev.signet.core.bundle.JwtAuthority;
import dev.signet.core.bundle.TrustBundle;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ValidateJWTSVID's rules (spiffe-rules.md J-1–J-10, J-13, W-24), each with tokens crafted byte for byte, verifying
 * with BouncyCastle; {@link JwtSvidValidatorConscryptTest} runs every case again with Conscrypt verifying EC signatures.
 */
class JwtSvidValidatorTest {
    private static final TrustDomain TD = new TrustDomain("example.org");
    private static final String SUB = "spiffe://example.org/web";
    private static final Instant NOW = Instant.parse("2026-05-01T12:00:00Z");
    private static final TestJwts.Key KEY = TestJwts.es256("k1");

    private final ManualClock clock = new ManualClock(NOW);
    private final JwtSvidValidator validator = new JwtSvidValidator(clock, crypto());
    private final Map<TrustDomain, TrustBundle> bundles = Map.of(TD, bundle(TD, KEY.authority()));

    private static TrustBundle bundle(TrustDomain td, JwtAuthority... authorities) {
        return new TrustBundle(td, List.of(), List.of(authorities), 1, null);
    }

    private static Map<String, Object> standard() {
        return claims(SUB, List.of("db"), NOW, 300);
    }

    private String signed(Map<String, Object> header, Map<String, Object> claims) {
        return TestJwts.sign(header, claims, TestJwts.signer(KEY.pair().getPrivate()), JWSAlgorithm.ES256);
    }

    private AbstractThrowableAssert<?, ? extends Throwable> rejects(String token, String audience) {
        return assertThatThrownBy(() -> validator.validate(token, audience, bundles)).isInstanceOf(JwtSvidValidationException.class);
    }

    // ---- a valid token ----

    static Stream<Arguments> algorithms() {
        return Stream.of(
                Arguments.of(TestJwts.ec("ec256", "secp256r1", JWSAlgorithm.ES256)),
                Arguments.of(TestJwts.ec("ec384", "secp384r1", JWSAlgorithm.ES384)),
                Arguments.of(TestJwts.ec("ec521", "secp521r1", JWSAlgorithm.ES512)),
                Arguments.of(TestJwts.rsa("rs256", JWSAlgorithm.RS256)),
                Arguments.of(TestJwts.rsa("rs384", JWSAlgorithm.RS384)),
                Arguments.of(TestJwts.rsa("rs512", JWSAlgorithm.RS512)),
                Arguments.of(TestJwts.rsa("ps256", JWSAlgorithm.PS256)),
                Arguments.of(TestJwts.rsa("ps384", JWSAlgorithm.PS384)),
                Arguments.of(TestJwts.rsa("ps512", JWSAlgorithm.PS512)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("algorithms")
    void J3_everyAllowedAlgorithmValidates(TestJwts.Key key) throws Exception {
        ValidatedJwtSvid v = validator.validate(key.sign(standard()), "db", Map.of(TD, bundle(TD, key.authority())));
        assertThat(v.spiffeId()).isEqualTo(SpiffeId.parse(SUB));
    }

    @Test
    void W25_claimsAreReturnedWithAudAlwaysAList() throws Exception {
        Map<String, Object> c = standard();
        c.put("aud", "db"); // a single string is allowed in a JWT; the result still has a list
        c.put("nbf", NOW.getEpochSecond() - 10);
        c.put("jti", "abc"); // J-14: allowed, not tracked
        c.put("custom", Map.of("n", 1.5));
        ValidatedJwtSvid v = validator.validate(KEY.sign(c), "db", bundles);

        assertThat(v.claims()).containsEntry("sub", SUB).containsEntry("aud", List.of("db"))
                .containsEntry("exp", NOW.getEpochSecond() + 300).containsEntry("iat", NOW.getEpochSecond())
                .containsEntry("jti", "abc").containsKey("custom");
    }

    @ParameterizedTest
    @ValueSource(strings = {"JWT", "JOSE"})
    void J5_typJwtOrJoseIsAccepted(String typ) throws Exception {
        assertThat(validator.validate(signed(header("ES256", "k1", typ), standard()), "db", bundles).spiffeId().toString()).isEqualTo(SUB);
    }

    @Test
    void J5_typMayBeAbsent() throws Exception {
        assertThat(validator.validate(signed(header("ES256", "k1", null), standard()), "db", bundles).spiffeId().toString()).isEqualTo(SUB);
    }

    @Test
    void J7_anyOfSeveralAudiencesMatches() throws Exception {
        Map<String, Object> c = standard();
        c.put("aud", List.of("web", "db"));
        assertThat(validator.validate(KEY.sign(c), "db", bundles).claims().get("aud")).isEqualTo(List.of("web", "db"));
    }

    // ---- J-1 ----

    @Test
    void J1_jsonSerializationIsRejected() {
        String compact = KEY.sign(standard());
        String[] p = compact.split("\\.");
        String json = "{\"payload\":\"" + p[1] + "\",\"signatures\":[{\"protected\":\"" + p[0] + "\",\"signature\":\"" + p[2] + "\"}]}";
        rejects(json, "db").hasMessage("token is not a JWS in compact serialization");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a.b", "a.b.c.d.e", "a.b.", "a b.c.d", "YQ==.YQ==.YQ=="})
    void J1_anythingButThreeBase64UrlPartsIsRejected(String token) {
        rejects(token, "db").hasMessage("token is not a JWS in compact serialization");
    }

    // ---- J-2 ----

    @ParameterizedTest
    @ValueSource(strings = {"x5c", "jku", "jwk", "cty", "crit", "x5u", "b64"})
    void J2_headerParametersOtherThanAlgKidTypAreRejected(String name) {
        Map<String, Object> h = new LinkedHashMap<>(header("ES256", "k1", "JWT"));
        h.put(name, name.equals("crit") ? List.of("exp") : "x");
        rejects(signed(h, standard()), "db").hasMessage("token header has the parameter \"" + name + "\"; only alg, kid and typ are allowed");
    }

    // ---- J-3 ----

    @Test
    void J3_algNoneIsRejected() {
        String unsigned = TestJwts.b64("{\"alg\":\"none\",\"kid\":\"k1\"}") + "." + TestJwts.b64(json(standard()));
        rejects(unsigned + ".", "db").hasMessage("token is not a JWS in compact serialization");
        rejects(unsigned + ".AAAA", "db").hasMessage("unsupported token signature algorithm \"none\"");
    }

    @Test
    void J3_hs256KeyedWithThePublicKeyIsRejected() throws Exception {
        // The classic confusion attack: HMAC with the verifier's public key bytes as the secret.
        String token = TestJwts.sign(header("HS256", "k1", "JWT"), standard(), new MACSigner(KEY.pair().getPublic().getEncoded()),
                JWSAlgorithm.HS256);
        rejects(token, "db").hasMessage("unsupported token signature algorithm \"HS256\"");
    }

    @Test
    void J3_edDsaIsRejected() throws Exception {
        var ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String input = TestJwts.b64(json(header("EdDSA", "k1", "JWT"))) + "." + TestJwts.b64(json(standard()));
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(ed.getPrivate());
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        String token = input + "." + Base64URL.encode(s.sign());
        rejects(token, "db").hasMessage("unsupported token signature algorithm \"EdDSA\"");
    }

    @Test
    void J3_missingAlgIsRejected() {
        rejects(signed(header(null, "k1", "JWT"), standard()), "db").hasMessage("token header has no signature algorithm (alg)");
    }

    // ---- J-4 ----

    @Test
    void J4_missingKidIsRejected() {
        rejects(signed(header("ES256", null, "JWT"), standard()), "db").hasMessage("token header is missing the key ID (kid)");
        rejects(signed(header("ES256", "", "JWT"), standard()), "db").hasMessage("token header is missing the key ID (kid)");
    }

    @Test
    void J4_unknownKidIsRejected() {
        rejects(signed(header("ES256", "k2", "JWT"), standard()), "db")
                .hasMessage("no JWT authority \"k2\" found for trust domain \"example.org\"");
    }

    // ---- J-5 ----

    @Test
    void J5_typAtJwtIsRejected() {
        rejects(signed(header("ES256", "k1", "at+jwt"), standard()), "db").hasMessage("token header has typ \"at+jwt\"; expected JWT or JOSE");
    }

    // ---- J-6 ----

    @Test
    void J6_subMustBePresentAndASpiffeId() {
        Map<String, Object> noSub = standard();
        noSub.remove("sub");
        rejects(KEY.sign(noSub), "db").hasMessage("token has no subject (sub)");
        Map<String, Object> https = standard();
        https.put("sub", "https://example.org/web");
        rejects(KEY.sign(https), "db").hasMessageStartingWith("token subject is not a valid SPIFFE ID: ");
    }

    // ---- J-7 ----

    @Test
    void J7_missingAudIsRejected() {
        Map<String, Object> c = standard();
        c.remove("aud");
        rejects(KEY.sign(c), "db").hasMessage("token has no audience (aud)");
        c.put("aud", List.of());
        rejects(KEY.sign(c), "db").hasMessage("token has no audience (aud)");
    }

    @Test
    void J7_wrongAudIsRejected() {
        Map<String, Object> c = standard();
        c.put("aud", List.of("web", "cache"));
        rejects(KEY.sign(c), "db").hasMessage("expected audience in [\"db\"] (audience=[\"web\" \"cache\"])");
    }

    // ---- J-9 ----

    @Test
    void J9_missingExpIsRejected() {
        Map<String, Object> c = standard();
        c.remove("exp");
        rejects(KEY.sign(c), "db").hasMessage("token has no expiry (exp)");
    }

    @Test
    void J9_expiredTokenIsRejected() throws Exception {
        String token = KEY.sign(standard());
        clock.set(NOW.plusSeconds(299));
        validator.validate(token, "db", bundles);
        clock.set(NOW.plusSeconds(300));
        rejects(token, "db").hasMessage("token has expired");
        clock.set(NOW.plusSeconds(3600));
        rejects(token, "db").hasMessage("token has expired");
    }

    @Test
    void notYetValidOrIssuedInTheFutureBeyondAMinuteIsRejected() throws Exception {
        Map<String, Object> nbf = standard();
        nbf.put("nbf", NOW.getEpochSecond() + 120);
        rejects(KEY.sign(nbf), "db").hasMessage("token is not valid yet (nbf)");
        Map<String, Object> iat = standard();
        iat.put("iat", NOW.getEpochSecond() + 120);
        rejects(KEY.sign(iat), "db").hasMessage("token is issued in the future (iat)");
        Map<String, Object> skew = standard();
        skew.put("iat", NOW.getEpochSecond() + 30); // within the clock-skew leeway
        validator.validate(KEY.sign(skew), "db", bundles);
    }

    // ---- J-10 ----

    @Test
    void J10_tamperedPayloadIsRejected() {
        String[] p = KEY.sign(standard()).split("\\.");
        Map<String, Object> c = standard();
        c.put("sub", "spiffe://example.org/admin");
        rejects(p[0] + "." + TestJwts.b64(json(c)) + "." + p[2], "db").hasMessage("token signature is invalid");
    }

    @Test
    void J10_tamperedSignatureIsRejected() {
        String token = KEY.sign(standard());
        char last = token.charAt(token.length() - 5);
        String tampered = token.substring(0, token.length() - 5) + (last == 'A' ? 'B' : 'A') + token.substring(token.length() - 4);
        rejects(tampered, "db").hasMessage("token signature is invalid");
        String other = TestJwts.es256("k1").sign(standard()); // same kid, another key
        rejects(other, "db").hasMessage("token signature is invalid");
    }

    @Test
    void J10_algorithmThatDoesNotFitTheKeyIsRejected() {
        TestJwts.Key rsa = TestJwts.rsa("r1", JWSAlgorithm.RS256);
        TestJwts.Key p384 = TestJwts.ec("e384", "secp384r1", JWSAlgorithm.ES384);
        Map<TrustDomain, TrustBundle> mixed = Map.of(TD, bundle(TD, KEY.authority(), rsa.authority(), p384.authority()));

        String esWithRsaKid = TestJwts.sign(header("ES256", "r1", "JWT"), standard(), TestJwts.signer(KEY.pair().getPrivate()), JWSAlgorithm.ES256);
        assertThatThrownBy(() -> validator.validate(esWithRsaKid, "db", mixed))
                .hasMessage("token algorithm ES256 does not fit key \"r1\" of type RSA");
        String rsWithEcKid = TestJwts.sign(header("RS256", "k1", "JWT"), standard(), TestJwts.signer(rsa.pair().getPrivate()), JWSAlgorithm.RS256);
        assertThatThrownBy(() -> validator.validate(rsWithEcKid, "db", mixed))
                .hasMessage("token algorithm RS256 does not fit key \"k1\" of type EC");
        String es256WithP384 = TestJwts.sign(header("ES256", "e384", "JWT"), standard(), TestJwts.signer(KEY.pair().getPrivate()), JWSAlgorithm.ES256);
        assertThatThrownBy(() -> validator.validate(es256WithP384, "db", mixed))
                .isInstanceOf(JwtSvidValidationException.class)
                .hasMessageStartingWith("token signature cannot be verified with key \"e384\"");
    }

    // ---- J-13 ----

    @Test
    void J13_anX509AuthorityNeverValidatesAJwtEvenWithAForgedKid() {
        TestCerts ca = new TestCerts("example.org");
        Map<String, Object> h = header("ES256", "x509-ca", "JWT");
        String byCa = TestJwts.sign(h, standard(), TestJwts.signer(ca.caKey.getPrivate()), JWSAlgorithm.ES256);

        TrustBundle x509Only = new TrustBundle(TD, List.of(ca.ca), List.of(), 1, null);
        assertThatThrownBy(() -> validator.validate(byCa, "db", Map.of(TD, x509Only)))
                .hasMessage("no keys found for trust domain \"example.org\"");
        TrustBundle both = new TrustBundle(TD, List.of(ca.ca), List.of(KEY.authority()), 1, null);
        assertThatThrownBy(() -> validator.validate(byCa, "db", Map.of(TD, both)))
                .hasMessage("no JWT authority \"x509-ca\" found for trust domain \"example.org\"");
        String forgedKid = TestJwts.sign(header("ES256", "k1", "JWT"), standard(), TestJwts.signer(ca.caKey.getPrivate()), JWSAlgorithm.ES256);
        assertThatThrownBy(() -> validator.validate(forgedKid, "db", Map.of(TD, both))).hasMessage("token signature is invalid");
    }

    // ---- W-24 ----

    @Test
    void W24_keysComeFromTheBundleOfTheSubjectsTrustDomain() throws Exception {
        Map<String, Object> foreign = standard();
        foreign.put("sub", "spiffe://other.org/web");
        String token = KEY.sign(foreign); // signed by a key the own bundle holds under the same kid
        rejects(token, "db").hasMessage("no keys found for trust domain \"other.org\"");

        TrustDomain other = new TrustDomain("other.org");
        TestJwts.Key otherKey = TestJwts.es256("k1");
        Map<TrustDomain, TrustBundle> federated = Map.of(TD, bundles.get(TD), other, bundle(other, otherKey.authority()));
        assertThatThrownBy(() -> validator.validate(token, "db", federated)).hasMessage("token signature is invalid");
        assertThat(validator.validate(otherKey.sign(foreign), "db", federated).spiffeId().trustDomain()).isEqualTo(other);
    }

    @Test
    void B5_aBundleWithoutJwtAuthoritiesTrustsNoToken() {
        assertThatThrownBy(() -> validator.validate(KEY.sign(standard()), "db", Map.of(TD, bundle(TD))))
                .hasMessage("no keys found for trust domain \"example.org\"");
    }

    @Test
    void malformedPartsAreRejectedWithAReason() {
        String sig = KEY.sign(standard()).split("\\.")[2];
        rejects(TestJwts.b64("not json") + "." + TestJwts.b64(json(standard())) + "." + sig, "db").hasMessage("token header is not a JSON object");
        rejects(TestJwts.b64(json(header("ES256", "k1", "JWT"))) + "." + TestJwts.b64("[1]") + "." + sig, "db")
                .hasMessage("token payload is not a JSON object");
        Map<String, Object> c = standard();
        c.put("exp", "tomorrow");
        rejects(KEY.sign(c), "db").hasMessageStartingWith("token claims are malformed: ");
    }

    @Test
    void valuesFromTheTokenAreQuotedWithoutControlCharactersAndCut() {
        String kid = "evil\nINFO forged log line " + "x".repeat(500);
        rejects(signed(header("ES256", kid, "JWT"), standard()), "db").satisfies(e -> {
            assertThat(e.getMessage()).doesNotContain("\n").startsWith("no JWT authority \"evil?INFO forged log line x").hasSizeLessThan(200);
        });
        Map<String, Object> c = standard();
        c.put("sub", "spiffe://example.org/a\r\nb");
        rejects(KEY.sign(c), "db").satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\r"));
    }

    private static String json(Map<String, Object> m) {
        return com.nimbusds.jose.util.JSONObjectUtils.toJSONString(m);
    }

    /** The provider verifying EC signatures. */
    dev.signet.core.x509.SigningProvider crypto() {
        return dev.signet.core.x509.SigningProvider.bouncyCastle();
    }
}
