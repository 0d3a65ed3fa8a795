package dev.signet.agent.endpoints.workload;

import dev.signet.agent.cache.WorkloadUpdate;
import dev.signet.agent.cache.X509Identity;
import dev.signet.core.registration.Entry;
import dev.signet.core.registration.Parent;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Crypto;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.TreeSet;
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

/** A throw-away CA for one trust domain that issues X509-SVIDs, built with BouncyCastle. */
final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(1);

    final TrustDomain trustDomain;
    final KeyPair caKey;
    final X509Certificate ca;

    TestPki(String trustDomain) {
        this.trustDomain = new TrustDomain(trustDomain);
        this.caKey = Crypto.generate(Crypto.KeyType.EC_P256);
        this.ca = certificate(new X500Name("CN=" + trustDomain + " test CA"), caKey.getPublic(), caKey, this.trustDomain.idString(), true);
    }

    /** An identity for {@code spiffe://<td><path>} from entry {@code entryId}. */
    X509Identity identity(String entryId, String path, String hint) {
        return identity(entryId, path, hint, new Selector("fake", "workload:a"));
    }

    /** An identity for {@code spiffe://<td><path>} from entry {@code entryId} whose entry needs {@code selector}. */
    X509Identity identity(String entryId, String path, String hint, Selector selector) {
        KeyPair key = Crypto.generate(Crypto.KeyType.EC_P256);
        SpiffeId id = SpiffeId.parse(trustDomain.idString() + path);
        X509Certificate leaf = certificate(new X500Name("O=SPIFFE"), key.getPublic(), caKey, id.toString(), false);
        Entry entry = new Entry(entryId, id, new Parent.AnyNode(), new TreeSet<>(List.of(selector)),
                Duration.ofHours(1), List.of(), hint, 1, Instant.parse("2026-01-01T00:00:00Z"));
        return new X509Identity(entry, List.of(leaf), key.getPrivate());
    }

    WorkloadUpdate update(X509Identity... identities) {
        return new WorkloadUpdate(trustDomain, List.of(identities), List.of(ca), false);
    }

    /** Identities with a bundle that also has these JWT authorities. */
    WorkloadUpdate update(List<dev.signet.core.bundle.JwtAuthority> jwtAuthorities, X509Identity... identities) {
        return new WorkloadUpdate(trustDomain, List.of(identities),
                new dev.signet.core.bundle.TrustBundle(trustDomain, List.of(ca), jwtAuthorities, 1, null), false,
                java.util.Arrays.stream(identities).map(X509Identity::entry).toList());
    }

    WorkloadUpdate noIdentity(boolean pending) {
        return new WorkloadUpdate(trustDomain, List.of(), List.of(ca), pending);
    }

    private X509Certificate certificate(X500Name subject, PublicKey publicKey, KeyPair issuer, String uri, boolean isCa) {
        try {
            Instant now = Instant.now();
            X500Name issuerName = isCa ? subject : new X500Name("CN=" + trustDomain + " test CA");
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName, BigInteger.valueOf(SERIAL.getAndIncrement()),
                    Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofHours(1))), subject, publicKey);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(isCa ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").setProvider(Crypto.PROVIDER).build(issuer.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
