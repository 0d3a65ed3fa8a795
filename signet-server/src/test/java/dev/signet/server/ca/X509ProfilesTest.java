package dev.signet.server.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.SigningProvider;
import dev.signet.core.x509.SvidVerifier;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x509.Extension;
import org.junit.jupiter.api.Test;

/** The issued certificate profiles against the X509-SVID rules (spiffe-rules.md §1.B). */
class X509ProfilesTest {
    private static final TrustDomain TD = new TrustDomain("example.org");
    private final Instant now = Instant.now();
    private final SigningProvider crypto = TestCrypto.provider();
    private final KeyPair caKeys = crypto.generate(Crypto.KeyType.EC_P256);
    private final SigningAuthority ca = new SigningAuthority(caKeys.getPrivate(),
            X509Profiles.selfSignedCa(TD, caKeys.getPublic(), caKeys.getPrivate(), now.minusSeconds(10), now.plus(Duration.ofHours(24)), crypto));
    private final X509Profiles.Issuer issuer = new X509Profiles.Issuer(ca, crypto);

    private X509Certificate leaf(String id, List<String> dns, Duration ttl) {
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
        return X509Profiles.leaf(issuer, SpiffeId.parse(id), kp.getPublic(), dns, now, now.plus(ttl));
    }

    @Test
    void ID8_X6_caHasExactlyTheTrustDomainIdAsUriSan() {
        assertThat(Certificates.uriSans(ca.certificate())).containsExactly("spiffe://example.org");
    }

    @Test
    void X5_X10_X11_caIsCaWithCriticalKeyCertSign() {
        X509Certificate c = ca.certificate();
        assertThat(c.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(c.getCriticalExtensionOIDs()).contains(Extension.keyUsage.getId(), Extension.basicConstraints.getId());
        assertThat(c.getKeyUsage()[5]).as("keyCertSign").isTrue();
    }

    @Test
    void X1_X3_leafHasOneUriSanWithPathPlusDnsNames() throws Exception {
        X509Certificate l = leaf("spiffe://example.org/web", List.of("web.example.org", "127.0.0.1"), Duration.ofHours(1));
        assertThat(Certificates.uriSans(l)).containsExactly("spiffe://example.org/web");
        assertThat(l.getSubjectAlternativeNames()).hasSize(3);
        assertThat(l.getSubjectX500Principal().getName()).contains("CN=web.example.org");
    }

    @Test
    void X3_rootIdIsNeverALeaf() {
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
        assertThatThrownBy(() -> X509Profiles.leaf(ca, SpiffeId.parse("spiffe://example.org"), kp.getPublic(), List.of(), now, now.plusSeconds(60)))
                .hasMessageContaining("path");
    }

    @Test
    void X4_X5_X10_X12_X13_leafProfile() {
        X509Certificate l = leaf("spiffe://example.org/web", List.of(), Duration.ofHours(1));
        assertThat(l.getSubjectX500Principal().getName()).isNotEmpty(); // subject not empty, SAN may be non-critical
        assertThat(l.getBasicConstraints()).isEqualTo(-1);
        assertThat(l.getCriticalExtensionOIDs()).contains(Extension.keyUsage.getId(), Extension.basicConstraints.getId());
        boolean[] ku = l.getKeyUsage();
        assertThat(ku[0]).as("digitalSignature").isTrue();
        assertThat(ku[5]).as("keyCertSign").isFalse();
        assertThat(ku[6]).as("cRLSign").isFalse();
        assertThat(l.getSerialNumber().signum()).isPositive();
        assertThat(l.getSerialNumber().bitLength()).isLessThanOrEqualTo(159);
    }

    @Test
    void X13_leafHasServerAndClientAuth() throws Exception {
        X509Certificate l = leaf("spiffe://example.org/web", List.of(), Duration.ofHours(1));
        assertThat(l.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    }

    @Test
    void X14_leafValidatesAgainstBundleAndNeverOutlivesCa() throws Exception {
        X509Certificate l = leaf("spiffe://example.org/web", List.of(), Duration.ofDays(30));
        assertThat(l.getNotAfter()).isEqualTo(ca.certificate().getNotAfter());
        assertThat(SvidVerifier.verify(List.of(l), List.of(ca.certificate()), now)).isEqualTo(SpiffeId.parse("spiffe://example.org/web"));
    }

    @Test
    void X15_verifierRejectsCaAsLeaf() {
        assertThatThrownBy(() -> SvidVerifier.verify(List.of(ca.certificate()), List.of(ca.certificate()), now))
                .hasMessageContaining("CA");
    }

    @Test
    void X14_leafFromAnotherCaIsRejected() {
        KeyPair other = Crypto.generate(Crypto.KeyType.EC_P256);
        SigningAuthority otherCa = new SigningAuthority(other.getPrivate(),
                X509Profiles.selfSignedCa(TD, other.getPublic(), other.getPrivate(), now.minusSeconds(10), now.plusSeconds(3600)));
        X509Certificate l = X509Profiles.leaf(otherCa, SpiffeId.parse("spiffe://example.org/web"),
                Crypto.generate(Crypto.KeyType.EC_P256).getPublic(), List.of(), now, now.plusSeconds(60));
        assertThatThrownBy(() -> SvidVerifier.verify(List.of(l), List.of(ca.certificate()), now))
                .isInstanceOf(java.security.GeneralSecurityException.class);
    }

    @Test
    void validityTimesAreEncodedAsBouncyCastleEncodesThem() throws Exception {
        for (String t : List.of("1950-01-01T00:00:00Z", "1999-12-31T23:59:59.999Z", "2026-12-04T21:55:07.123456Z",
                "2049-12-31T23:59:59Z", "2050-01-01T00:00:00Z", "2100-02-28T01:02:03Z", "9999-12-31T23:59:59Z", "1949-12-31T23:59:59Z")) {
            Instant i = Instant.parse(t);
            assertThat(X509Profiles.time(i).getEncoded()).as(t)
                    .isEqualTo(new org.bouncycastle.asn1.x509.Time(java.util.Date.from(i)).getEncoded());
        }
    }

    @Test
    void theAssembledDerIsCanonicalAndVerifiesForShortAndLongCertificates() throws Exception {
        // 0, 1 and 300 DNS names: the outer length needs one, two and three length octets' worth of content
        for (int n : new int[] {0, 1, 300}) {
            List<String> dns = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                dns.add("host-" + i + ".example.org");
            }
            KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
            byte[] der = X509Profiles.leafDer(issuer, SpiffeId.parse("spiffe://example.org/web"), kp.getPublic(), dns, now,
                    now.plusSeconds(600));
            assertThat(new org.bouncycastle.cert.X509CertificateHolder(der).getEncoded()).as(n + " DNS names: DER re-encodes identically")
                    .isEqualTo(der);
            X509Certificate c = Certificates.parse(der);
            c.verify(ca.certificate().getPublicKey());
            assertThat(c.getSubjectAlternativeNames()).hasSize(n + 1);
        }
    }
}
