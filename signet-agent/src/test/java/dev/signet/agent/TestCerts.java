package dev.signet.agent;

import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Crypto;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throw-away CA (BouncyCastle) issuing X509-SVIDs with chosen validity periods, for the agent's unit tests. */
public final class TestCerts {
    private static final AtomicLong SERIAL = new AtomicLong(1000);

    public final TrustDomain trustDomain;
    public final KeyPair caKey;
    public final X509Certificate ca;

    public TestCerts(String trustDomain) {
        this.trustDomain = new TrustDomain(trustDomain);
        this.caKey = Crypto.generate(Crypto.KeyType.EC_P256);
        Instant now = Instant.now();
        this.ca = build(caName(), caKey.getPublic(), this.trustDomain.idString(), true, now.minusSeconds(3600), now.plusSeconds(86400 * 30));
    }

    /** A leaf for {@code spiffe://<td><path>} with its own fresh key, valid from {@code notBefore} to {@code notAfter}. */
    public Leaf leaf(String path, Instant notBefore, Instant notAfter) {
        KeyPair key = Crypto.generate(Crypto.KeyType.EC_P256);
        return new Leaf(build(new X500Name("O=SPIFFE"), key.getPublic(), trustDomain.idString() + path, false, notBefore, notAfter), key);
    }

    public record Leaf(X509Certificate cert, KeyPair key) {}

    private X500Name caName() {
        return new X500Name("CN=" + trustDomain + " test CA");
    }

    private X509Certificate build(X500Name subject, PublicKey pub, String uri, boolean isCa, Instant notBefore, Instant notAfter) {
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caName(), BigInteger.valueOf(SERIAL.getAndIncrement()),
                    Date.from(notBefore), Date.from(notAfter), subject, pub);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(isCa ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").setProvider(Crypto.PROVIDER).build(caKey.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
