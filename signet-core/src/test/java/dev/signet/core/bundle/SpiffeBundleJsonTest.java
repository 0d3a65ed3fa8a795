package dev.signet.core.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Crypto;
import dev.signet.proto.common.v1.Bundle;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SPIFFE bundle format as {@link SpiffeBundleJson} writes and reads it, by the rules of spiffe-rules.md §1.D. */
class SpiffeBundleJsonTest {
    private static final TrustDomain TD = new TrustDomain("example.org");
    private static final Set<String> SPEC_MEMBERS = Set.of("kty", "use", "kid", "x5c", "n", "e", "crv", "x", "y");

    private static X509Certificate ecCa;
    private static X509Certificate rsaCa;
    private static KeyPair shortCoordinateKey;
    private static KeyPair rsaJwtKey;
    private static TrustBundle bundle;

    @BeforeAll
    static void fixtures() throws Exception {
        ecCa = ca(Crypto.generate(Crypto.KeyType.EC_P256), "SHA256withECDSA");
        rsaCa = ca(Crypto.generate(Crypto.KeyType.RSA_2048), "SHA256withRSA");
        // An EC key with a coordinate below 2^248: its minimal big-endian encoding is 31 bytes or fewer, so an
        // unpadded encoder would emit a short coordinate (go-spiffe rejects those).
        KeyPair k;
        do {
            k = Crypto.generate(Crypto.KeyType.EC_P256);
        } while (((ECPublicKey) k.getPublic()).getW().getAffineX().bitLength() > 248
                && ((ECPublicKey) k.getPublic()).getW().getAffineY().bitLength() > 248);
        shortCoordinateKey = k;
        rsaJwtKey = Crypto.generate(Crypto.KeyType.RSA_2048);
        bundle = new TrustBundle(TD, List.of(ecCa, rsaCa),
                List.of(new JwtAuthority("kid-ec", shortCoordinateKey.getPublic(), Instant.parse("2030-01-01T00:00:00Z")),
                        new JwtAuthority("kid-rsa", rsaJwtKey.getPublic(), Instant.parse("2030-01-02T00:00:00Z"))),
                42, Duration.ofSeconds(300));
    }

    static X509Certificate ca(KeyPair kp, String sigAlg) throws Exception {
        Instant now = Instant.now();
        X500Name name = new X500Name("O=SPIFFE, C=US");
        var b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minusSeconds(10)),
                Date.from(now.plus(Duration.ofDays(1))), name, kp.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        b.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://example.org")));
        var signer = new JcaContentSignerBuilder(sigAlg).setProvider(Crypto.PROVIDER).build(kp.getPrivate());
        return Certificates.parse(new JcaX509CertificateConverter().getCertificate(b.build(signer)).getEncoded());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> keys(String json) throws Exception {
        return (List<Map<String, Object>>) (List<?>) JSONObjectUtils.getJSONArray(JSONObjectUtils.parse(json), "keys");
    }

    @Test
    void B1_aBundleIsAJwkSetWithAKeysArrayEvenWhenEmpty() throws Exception {
        Map<String, Object> empty = JSONObjectUtils.parse(SpiffeBundleJson.toJson(new TrustBundle(TD, List.of(), List.of(), 0, null)));
        assertThat(empty.get("keys")).isInstanceOf(List.class).asList().isEmpty();
        assertThat(JWKSet.parse(SpiffeBundleJson.toJson(bundle)).getKeys()).hasSize(4);
    }

    @Test
    void B2_B3_sequenceAndRefreshHintAreJsonIntegers() throws Exception {
        String json = SpiffeBundleJson.toJson(bundle);
        Map<String, Object> obj = JSONObjectUtils.parse(json);
        assertThat(obj.get("spiffe_sequence")).isInstanceOf(Long.class).isEqualTo(42L);
        assertThat(obj.get("spiffe_refresh_hint")).isInstanceOf(Long.class).isEqualTo(300L);
        assertThat(json).contains("\"spiffe_sequence\":42").contains("\"spiffe_refresh_hint\":300");
        assertThat(JSONObjectUtils.parse(SpiffeBundleJson.toJson(new TrustBundle(TD, List.of(), List.of(), Long.MAX_VALUE, null)))
                .get("spiffe_sequence")).as("64-bit").isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void B6_B7_B8_everyKeyHasAKnownKtyAKnownUseAndOnlyMembersTheSpecsDefine() throws Exception {
        for (Map<String, Object> k : keys(SpiffeBundleJson.toJson(bundle))) {
            assertThat(k.get("kty")).as("B-6").isIn("EC", "RSA");
            assertThat(k.get("use")).as("B-7").isIn("x509-svid", "jwt-svid");
            assertThat(k.keySet()).as("B-8").isSubsetOf(SPEC_MEMBERS);
        }
    }

    @Test
    void X16_eachX509AuthorityIsOneKeyWithoutKidWithExactlyItsCertificateInStandardBase64() throws Exception {
        List<Map<String, Object>> x509 = keys(SpiffeBundleJson.toJson(bundle)).stream().filter(k -> "x509-svid".equals(k.get("use"))).toList();
        assertThat(x509).hasSize(2);
        List<X509Certificate> expected = List.of(ecCa, rsaCa);
        for (int i = 0; i < x509.size(); i++) {
            Map<String, Object> k = x509.get(i);
            assertThat(k).doesNotContainKey("kid");
            List<?> x5c = (List<?>) k.get("x5c");
            assertThat(x5c).hasSize(1);
            byte[] der = Base64.getDecoder().decode((String) x5c.get(0)); // standard, not URL-safe, alphabet
            assertThat(der).isEqualTo(expected.get(i).getEncoded());
            JWK jwk = JWK.parse(k); // Nimbus rejects a key that does not match its x5c certificate
            PublicKey key = jwk instanceof ECKey ec ? ec.toECPublicKey() : ((RSAKey) jwk).toRSAPublicKey();
            assertThat(key.getEncoded()).isEqualTo(expected.get(i).getPublicKey().getEncoded());
        }
    }

    @Test
    void J12_eachJwtAuthorityHasItsKidAndItsKeyAndNoCertificate() throws Exception {
        List<Map<String, Object>> jwt = keys(SpiffeBundleJson.toJson(bundle)).stream().filter(k -> "jwt-svid".equals(k.get("use"))).toList();
        assertThat(jwt).extracting(k -> k.get("kid")).containsExactly("kid-ec", "kid-rsa");
        for (Map<String, Object> k : jwt) {
            assertThat(k).doesNotContainKey("x5c");
        }
        JWK ec = JWK.parse(jwt.get(0));
        assertThat(((ECKey) ec).toECPublicKey().getEncoded()).isEqualTo(shortCoordinateKey.getPublic().getEncoded());
        assertThat(((RSAKey) JWK.parse(jwt.get(1))).toRSAPublicKey().getEncoded()).isEqualTo(rsaJwtKey.getPublic().getEncoded());
    }

    @Test
    void ecCoordinatesAreAlways32BytesForP256() throws Exception {
        for (Map<String, Object> k : keys(SpiffeBundleJson.toJson(bundle))) {
            if ("EC".equals(k.get("kty"))) {
                assertThat(k.get("crv")).isEqualTo("P-256");
                assertThat(new Base64URL((String) k.get("x")).decode()).hasSize(32);
                assertThat(new Base64URL((String) k.get("y")).decode()).hasSize(32);
            }
        }
    }

    @Test
    void parseReadsBackWhatToJsonWrites() {
        TrustBundle back = SpiffeBundleJson.parse(TD, SpiffeBundleJson.toJson(bundle));
        assertThat(back.trustDomain()).isEqualTo(TD);
        assertThat(back.x509Authorities()).containsExactly(ecCa, rsaCa);
        assertThat(back.jwtAuthorities()).extracting(JwtAuthority::keyId).containsExactly("kid-ec", "kid-rsa");
        assertThat(back.jwtAuthority("kid-ec").orElseThrow().publicKey().getEncoded()).isEqualTo(shortCoordinateKey.getPublic().getEncoded());
        assertThat(back.jwtAuthority("kid-ec").orElseThrow().expiresAt()).as("the format records no expiry").isEqualTo(Instant.MAX);
        assertThat(back.sequence()).isEqualTo(42);
        assertThat(back.refreshHint()).isEqualTo(Duration.ofSeconds(300));
    }

    @Test
    void B4_B5_X17_J13_parseIgnoresWhatItCannotUseAndAcceptsExtraMembers() throws Exception {
        String good = SpiffeBundleJson.toJson(bundle);
        Map<String, Object> obj = JSONObjectUtils.parse(good);
        List<Object> keys = new java.util.ArrayList<>(keys(good));
        keys.add(Map.of("kty", "EC", "use", "x509-svid", "crv", "P-256", "x", keys(good).get(0).get("x"), "y", keys(good).get(0).get("y")));
        keys.add(Map.of("kty", "OKP", "use", "jwt-svid", "kid", "ed", "crv", "Ed25519", "x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"));
        keys.add(Map.of("kty", "EC", "use", "other", "kid", "o", "crv", "P-256", "x", keys(good).get(2).get("x"), "y", keys(good).get(2).get("y")));
        keys.add(Map.of("kty", "EC", "use", "jwt-svid", "crv", "P-256", "x", keys(good).get(2).get("x"), "y", keys(good).get(2).get("y")));
        keys.add(Map.of("kty", "weird", "use", "jwt-svid", "kid", "w"));
        obj.put("keys", keys);
        obj.put("extra_member", "ignored");

        TrustBundle b = SpiffeBundleJson.parse(TD, JSONObjectUtils.toJSONString(obj));
        assertThat(b.x509Authorities()).containsExactly(ecCa, rsaCa);
        assertThat(b.jwtAuthorities()).extracting(JwtAuthority::keyId).containsExactly("kid-ec", "kid-rsa");

        assertThatThrownBy(() -> SpiffeBundleJson.parse(TD, "{\"spiffe_sequence\":1}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keys");
        assertThatThrownBy(() -> SpiffeBundleJson.parse(TD, "not json")).isInstanceOf(IllegalArgumentException.class);
        assertThat(SpiffeBundleJson.parse(TD, "{\"keys\":[],\"spiffe_refresh_hint\":0}").refreshHint())
                .isEqualTo(TrustBundle.DEFAULT_REFRESH_HINT);
    }

    @Test
    void theOidcJwksHoldsOnlyJwtAuthoritiesWithUseSigAndTheirAlgorithm() throws Exception {
        String json = SpiffeBundleJson.oidcJwks(bundle, a -> a.keyId().equals("kid-ec") ? "ES256" : "PS256");
        JWKSet set = JWKSet.parse(json);
        assertThat(set.getKeys()).extracting(JWK::getKeyID).containsExactly("kid-ec", "kid-rsa");
        assertThat(set.getKeys()).extracting(JWK::getKeyUse).containsOnly(KeyUse.SIGNATURE);
        assertThat(set.getKeyByKeyId("kid-rsa").getAlgorithm().getName()).isEqualTo("PS256");
        for (Map<String, Object> k : keys(json)) {
            assertThat(k).doesNotContainKey("x5c");
        }
        assertThat(keys(SpiffeBundleJson.oidcJwks(bundle, null)).get(0)).doesNotContainKey("alg");
        assertThat(keys(SpiffeBundleJson.jwtJwks(bundle))).extracting(k -> k.get("use")).containsOnly("jwt-svid");
    }

    @Test
    void bundleProtosRoundTripEveryField() {
        Bundle p = BundleProtos.toProto(bundle);
        assertThat(p.getTrustDomain()).isEqualTo("example.org");
        assertThat(p.getSequence()).isEqualTo(42);
        assertThat(p.getRefreshHintSeconds()).isEqualTo(300);
        assertThat(p.getX509AuthoritiesCount()).isEqualTo(2);
        assertThat(p.getJwtAuthorities(0).getKeyId()).isEqualTo("kid-ec");
        assertThat(p.getJwtAuthorities(0).getExpiresAtUnix()).isEqualTo(Instant.parse("2030-01-01T00:00:00Z").getEpochSecond());
        assertThat(p.getJwtAuthorities(0).getPublicKey().toByteArray()).isEqualTo(shortCoordinateKey.getPublic().getEncoded());

        TrustBundle back = BundleProtos.fromProto(p);
        assertThat(back.x509Authorities()).containsExactly(ecCa, rsaCa);
        assertThat(back.jwtAuthorities()).extracting(JwtAuthority::keyId, JwtAuthority::expiresAt).containsExactly(
                org.assertj.core.groups.Tuple.tuple("kid-ec", Instant.parse("2030-01-01T00:00:00Z")),
                org.assertj.core.groups.Tuple.tuple("kid-rsa", Instant.parse("2030-01-02T00:00:00Z")));
        assertThat(back.jwtAuthority("kid-rsa").orElseThrow().publicKey().getEncoded()).isEqualTo(rsaJwtKey.getPublic().getEncoded());
        assertThat(back.sequence()).isEqualTo(42);
        assertThat(back.refreshHint()).isEqualTo(Duration.ofSeconds(300));

        TrustBundle noExpiry = BundleProtos.fromProto(p.toBuilder().setJwtAuthorities(0, p.getJwtAuthorities(0).toBuilder().setExpiresAtUnix(0))
                .setRefreshHintSeconds(0).build());
        assertThat(noExpiry.jwtAuthorities().get(0).expiresAt()).isEqualTo(Instant.MAX);
        assertThat(noExpiry.refreshHint()).isEqualTo(TrustBundle.DEFAULT_REFRESH_HINT);
        assertThat(BundleProtos.toProto(noExpiry).getJwtAuthorities(0).getExpiresAtUnix()).isZero();

        assertThatThrownBy(() -> BundleProtos.fromProto(p.toBuilder().setJwtAuthorities(0,
                p.getJwtAuthorities(0).toBuilder().setPublicKey(com.google.protobuf.ByteString.copyFromUtf8("junk"))).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kid-ec");
    }
}
