package dev.signet.server.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Csrs;
import dev.signet.core.x509.SigningProvider;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.junit.jupiter.api.Test;

/**
 * The leaf's TBSCertificate written directly from DER pieces ({@link X509Profiles#leafTbs}) against the same
 * certificate through BouncyCastle's builder ({@link X509Profiles#builderLeafTbs}), byte for byte, over generated
 * inputs: EC P-256, P-384 and RSA CAs, P-256 and P-384 subject keys, SPIFFE IDs short and long (lengths across the
 * one-, two- and three-octet DER length forms), 0..3 DNS names and IP literals, validity times either side of 2050
 * (UTCTime / GeneralizedTime), clamping and capping at the CA's validity, serials with and without a leading zero
 * octet. Each certificate must verify with the CA key under the JDK and BouncyCastle and parse with the JDK.
 */
class X509ProfilesLeafEncodingTest {
    private static final TrustDomain TD = new TrustDomain("example.org");
    private static final long SEED = System.nanoTime();
    private final Random random = new Random(SEED);
    private final SigningProvider crypto = TestCrypto.provider();

    /** A CA of {@code type} valid from {@code notBefore} to {@code notAfter}. */
    private X509Profiles.Issuer ca(Crypto.KeyType type, Instant notBefore, Instant notAfter) {
        KeyPair kp = crypto.generate(type);
        X509Certificate cert = X509Profiles.selfSignedCa(TD, kp.getPublic(), kp.getPrivate(), notBefore, notAfter, crypto);
        return new X509Profiles.Issuer(new SigningAuthority(kp.getPrivate(), cert), crypto);
    }

    @Test
    void directEncodingEqualsTheBuildersForGeneratedLeaves() throws Exception {
        Instant y2026 = Instant.parse("2026-12-04T21:55:07.123Z");
        Instant y2049 = Instant.parse("2049-12-31T23:00:00Z");
        Instant y2051 = Instant.parse("2051-06-01T00:00:00Z");
        List<X509Profiles.Issuer> cas = List.of(
                ca(Crypto.KeyType.EC_P256, y2026.minusSeconds(3600), y2026.plus(Duration.ofDays(1))),
                ca(Crypto.KeyType.EC_P384, y2026.minusSeconds(3600), y2026.plus(Duration.ofDays(30))),
                ca(Crypto.KeyType.RSA_2048, y2026.minusSeconds(3600), y2026.plus(Duration.ofDays(1))),
                // leaves that start in 2049 (UTCTime) and may end in 2050 or later (GeneralizedTime)
                ca(Crypto.KeyType.EC_P256, y2049, y2049.plus(Duration.ofDays(400))),
                // leaves entirely in GeneralizedTime
                ca(Crypto.KeyType.EC_P384, y2051, y2051.plus(Duration.ofDays(400))));
        List<SubjectPublicKeyInfo> keys = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            for (Crypto.KeyType t : List.of(Crypto.KeyType.EC_P256, Crypto.KeyType.EC_P384)) {
                KeyPair kp = Crypto.generate(t);
                keys.add(SubjectPublicKeyInfo.getInstance(kp.getPublic().getEncoded()));
                keys.add(Csrs.verifiedKeyInfo(Csrs.create(kp), crypto)); // as the signing hot path gets it
            }
        }
        keys.add(SubjectPublicKeyInfo.getInstance(Crypto.generate(Crypto.KeyType.RSA_2048).getPublic().getEncoded()));

        int cases = 0;
        int shortForm = 0;
        int twoOctetSan = 0;
        int threeOctetTbs = 0;
        for (X509Profiles.Issuer issuer : cas) {
            Instant caNotBefore = issuer.authority().certificate().getNotBefore().toInstant();
            Instant caNotAfter = issuer.authority().certificate().getNotAfter().toInstant();
            for (int n = 0; n < 120; n++) {
                String what = "seed " + SEED + ", CA " + issuer.authority().certificate().getSigAlgName() + " from " + caNotBefore
                        + ", case " + n;
                SpiffeId id = spiffeId();
                List<String> dns = dnsNames();
                // now: near the CA's start (notBefore clamped), inside, or near its end; requested notAfter sometimes
                // beyond the CA's (capped)
                long caSeconds = caNotAfter.getEpochSecond() - caNotBefore.getEpochSecond();
                Instant now = caNotBefore.plusSeconds(random.nextInt(3) == 0 ? random.nextInt(20) : (long) (random.nextDouble() * caSeconds))
                        .plusNanos(random.nextInt(1_000_000_000));
                Instant requestedNotAfter = now.plusSeconds(random.nextInt(4) == 0 ? caSeconds : 1 + random.nextInt(400 * 86400));
                BigInteger serial = serial();
                SubjectPublicKeyInfo spki = keys.get(random.nextInt(keys.size()));

                byte[] reference = X509Profiles.builderLeafTbs(issuer, id, spki, dns, now, requestedNotAfter, serial);
                byte[] tbs = X509Profiles.leafTbs(issuer, id, spki, dns, now, requestedNotAfter, serial);
                assertThat(tbs).as(what + ": TBSCertificate for " + id + " " + dns + " serial " + serial.toString(16))
                        .isEqualTo(reference);

                byte[] der = X509Profiles.leafDer(issuer, id, spki, dns, now, requestedNotAfter, serial);
                X509Certificate jdk = (X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(der));
                assertThat(jdk.getTBSCertificate()).as(what).isEqualTo(reference);
                jdk.verify(issuer.authority().certificate().getPublicKey()); // the JDK's providers
                X509CertificateHolder bc = new X509CertificateHolder(der);
                assertThat(bc.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider(Crypto.PROVIDER)
                        .build(issuer.authority().certificate().getPublicKey()))).as(what + ": BouncyCastle verifies").isTrue();
                assertThat(bc.getEncoded()).as(what + ": DER re-encodes identically").isEqualTo(der);
                assertThat(jdk.getSerialNumber()).isEqualTo(serial);
                assertThat(Certificates.uriSans(jdk)).as(what).containsExactly(id.toString());
                assertThat(jdk.getNotAfter().toInstant()).as(what).isBeforeOrEqualTo(caNotAfter);
                assertThat(jdk.getNotBefore().toInstant()).as(what).isAfterOrEqualTo(caNotBefore);

                cases++;
                int sanLength = id.toString().length() + dns.stream().mapToInt(String::length).sum();
                shortForm += sanLength < 100 ? 1 : 0;
                twoOctetSan += sanLength > 300 ? 1 : 0;
                threeOctetTbs += tbs.length > 0xFFFF ? 1 : 0;
            }
        }
        // the generator did reach the length forms this test is about
        assertThat(shortForm).as("leaves with short SANs").isPositive();
        assertThat(twoOctetSan).as("leaves with SANs over 255 bytes").isPositive();
        assertThat(cases).isEqualTo(600);
        assertThat(threeOctetTbs).isZero();
    }

    @Test
    void aTbsCertificateOverSixtyFourKilobytesIsStillEqual() throws Exception {
        X509Profiles.Issuer issuer = ca(Crypto.KeyType.EC_P256, Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
        List<String> dns = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            dns.add(i % 7 == 0 ? "10.0." + (i / 256 % 256) + "." + (i % 256) : "host-" + i + ".a-rather-long-domain.example.org");
        }
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(Crypto.generate(Crypto.KeyType.EC_P256).getPublic().getEncoded());
        SpiffeId id = SpiffeId.parse("spiffe://example.org/big");
        Instant now = Instant.now();
        byte[] tbs = X509Profiles.leafTbs(issuer, id, spki, dns, now, now.plusSeconds(600), BigInteger.TEN);
        assertThat(tbs.length).isGreaterThan(0xFFFF);
        assertThat(tbs).isEqualTo(X509Profiles.builderLeafTbs(issuer, id, spki, dns, now, now.plusSeconds(600), BigInteger.TEN));
        X509Certificate c = Certificates.parse(X509Profiles.leafDer(issuer, id, spki, dns, now, now.plusSeconds(600), BigInteger.TEN));
        c.verify(issuer.authority().certificate().getPublicKey());
        assertThat(c.getSubjectAlternativeNames()).hasSize(3001);
    }

    @Test
    void badInputIsRefusedAsTheBuilderRefusesIt() {
        X509Profiles.Issuer issuer = ca(Crypto.KeyType.EC_P256, Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(Crypto.generate(Crypto.KeyType.EC_P256).getPublic().getEncoded());
        SpiffeId id = SpiffeId.parse("spiffe://example.org/web");
        Instant now = Instant.now();
        // looks like an IPv4 literal, is not one
        assertThatThrownBy(() -> X509Profiles.builderLeafTbs(issuer, id, spki, List.of("999.1.2.3"), now, now.plusSeconds(60), BigInteger.ONE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> X509Profiles.leafTbs(issuer, id, spki, List.of("999.1.2.3"), now, now.plusSeconds(60), BigInteger.ONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("IP");
        // the first DNS name is the subject's CN, at most 64 characters (RFC 5280 ub-common-name)
        List<String> longCn = List.of("a".repeat(60) + ".example.org");
        assertThatThrownBy(() -> X509Profiles.builderLeafTbs(issuer, id, spki, longCn, now, now.plusSeconds(60), BigInteger.ONE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> X509Profiles.leafTbs(issuer, id, spki, longCn, now, now.plusSeconds(60), BigInteger.ONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("commonName");
        assertThatThrownBy(() -> X509Profiles.leafTbs(issuer, SpiffeId.parse("spiffe://example.org"), spki, List.of(), now,
                now.plusSeconds(60), BigInteger.ONE)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("path");
        for (BigInteger bad : List.of(BigInteger.ZERO, BigInteger.ONE.negate(), BigInteger.ONE.shiftLeft(159))) {
            assertThatThrownBy(() -> X509Profiles.leafTbs(issuer, id, spki, List.of(), now, now.plusSeconds(60), bad))
                    .as(bad.toString()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("serial");
        }
    }

    @Test
    void theServersSerialsArePositiveAndAtMostSeventeenOctets() {
        X509Profiles.Issuer issuer = ca(Crypto.KeyType.EC_P256, Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(Crypto.generate(Crypto.KeyType.EC_P256).getPublic().getEncoded());
        Instant now = Instant.now();
        java.util.Set<BigInteger> seen = new java.util.HashSet<>();
        for (int i = 0; i < 200; i++) {
            X509Certificate c = Certificates.parse(X509Profiles.leafDer(issuer, SpiffeId.parse("spiffe://example.org/s"), spki,
                    List.of(), now, now.plusSeconds(60)));
            assertThat(c.getSerialNumber().signum()).isPositive();
            assertThat(c.getSerialNumber().bitLength()).isLessThanOrEqualTo(128);
            seen.add(c.getSerialNumber());
        }
        assertThat(seen).hasSize(200);
    }

    /** SPIFFE IDs with paths from a few bytes to about 1,500 (the whole ID stays under 2,048). */
    private SpiffeId spiffeId() {
        int target = switch (random.nextInt(4)) {
            case 0 -> 1 + random.nextInt(20);
            case 1 -> 80 + random.nextInt(200); // around the 127/255-byte length boundaries
            case 2 -> 240 + random.nextInt(40);
            default -> 300 + random.nextInt(1200);
        };
        StringBuilder path = new StringBuilder();
        String chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._";
        while (path.length() < target) {
            path.append('/');
            int seg = 1 + random.nextInt(30);
            for (int i = 0; i < seg; i++) {
                char c = chars.charAt(random.nextInt(chars.length()));
                path.append(c);
            }
            if (path.toString().endsWith("/.") || path.toString().endsWith("/..")) {
                path.append('x');
            }
        }
        return SpiffeId.parse("spiffe://example.org" + path);
    }

    private List<String> dnsNames() {
        int n = random.nextInt(4);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(switch (random.nextInt(6)) {
                case 0 -> random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256);
                case 1 -> List.of("::1", "2001:db8::1", "fe80::1:2:3:4", "2001:db8:0:0:1:0:0:1").get(random.nextInt(4));
                case 2 -> "host" + random.nextInt(1000) + "." + "x".repeat(1 + random.nextInt(40)) + ".example.org"; // CN ≤ 64
                default -> "svc-" + random.nextInt(100000) + ".ns.svc.cluster.local";
            });
        }
        return out;
    }

    /** Serials as the server makes them, and ones with and without a leading zero octet, short and at most 20 octets. */
    private BigInteger serial() {
        return switch (random.nextInt(8)) {
            case 0 -> List.of(BigInteger.ONE, BigInteger.valueOf(127), BigInteger.valueOf(128), BigInteger.valueOf(255),
                    BigInteger.valueOf(256), BigInteger.ONE.shiftLeft(127), BigInteger.ONE.shiftLeft(127).subtract(BigInteger.ONE),
                    BigInteger.ONE.shiftLeft(159).subtract(BigInteger.ONE)).get(random.nextInt(8));
            case 1 -> new BigInteger(128, random).setBit(127); // top bit of 16 octets set: a leading zero octet
            case 2 -> new BigInteger(127, random).clearBit(126).add(BigInteger.ONE); // no leading zero octet
            case 3 -> new BigInteger(1 + random.nextInt(159), random).add(BigInteger.ONE);
            default -> new BigInteger(127, random).add(BigInteger.ONE); // as X509Profiles.serial()
        };
    }
}
