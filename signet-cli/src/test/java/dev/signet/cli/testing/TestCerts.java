package dev.signet.cli.testing;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates made in code for tests: a CA and X509-SVID leaves it signs. */
public final class TestCerts {
    private TestCerts() {}

    /** A certificate and its key. */
    public record Issued(X509Certificate cert, KeyPair keys) {}

    public static KeyPair ecKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static Issued ca(String trustDomain) {
        KeyPair keys = ecKey();
        X500Name name = new X500Name("CN=" + trustDomain + " test CA");
        return new Issued(build(name, keys, name, keys, null, true, Instant.now().plus(1, ChronoUnit.DAYS)), keys);
    }

    public static Issued leaf(Issued ca, String spiffeId, Instant notAfter) {
        KeyPair keys = ecKey();
        X500Name issuer = X500Name.getInstance(ca.cert().getSubjectX500Principal().getEncoded());
        return new Issued(build(new X500Name("CN=svid"), keys, issuer, ca.keys(), spiffeId, false, notAfter), keys);
    }

    private static X509Certificate build(X500Name subject, KeyPair subjectKeys, X500Name issuer, KeyPair issuerKeys,
            String uri, boolean isCa, Instant notAfter) {
        try {
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(now.toEpochMilli()),
                    Date.from(now.minusSeconds(60)), Date.from(notAfter), subject, subjectKeys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
            if (uri != null) {
                b.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
            }
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
