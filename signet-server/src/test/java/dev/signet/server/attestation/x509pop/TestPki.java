package dev.signet.server.attestation.x509pop;

import dev.signet.core.x509.Crypto;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Test CAs and node certificates built with BouncyCastle. */
final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(0x7f00);

    private TestPki() {}

    /** A certificate and its key. */
    record Issued(X509Certificate cert, KeyPair key) {}

    static Issued rootCa(String cn, Instant notBefore, Instant notAfter) {
        KeyPair k = Crypto.generate(Crypto.KeyType.EC_P256);
        return new Issued(build(new X500Name("CN=" + cn), k.getPublic(), new X500Name("CN=" + cn), k.getPrivate(), notBefore, notAfter,
                true, KeyUsage.keyCertSign | KeyUsage.cRLSign, List.of(), BigInteger.valueOf(SERIAL.incrementAndGet())), k);
    }

    static Issued intermediate(Issued issuer, String cn, Instant notBefore, Instant notAfter) {
        KeyPair k = Crypto.generate(Crypto.KeyType.EC_P256);
        return new Issued(build(new X500Name("CN=" + cn), k.getPublic(), subject(issuer), issuer.key().getPrivate(), notBefore, notAfter,
                true, KeyUsage.keyCertSign | KeyUsage.cRLSign, List.of(), BigInteger.valueOf(SERIAL.incrementAndGet())), k);
    }

    /** A node certificate builder. */
    static Leaf leaf(Issued issuer, String cn) {
        return new Leaf(issuer, cn);
    }

    static final class Leaf {
        private final Issued issuer;
        private final String cn;
        private Crypto.KeyType keyType = Crypto.KeyType.EC_P256;
        private KeyPair key;
        private Instant notBefore = Instant.now().minusSeconds(3600);
        private Instant notAfter = Instant.now().plusSeconds(24 * 3600);
        private int keyUsage = KeyUsage.digitalSignature | KeyUsage.keyEncipherment;
        private final List<GeneralName> sans = new ArrayList<>();
        private BigInteger serial = BigInteger.valueOf(SERIAL.incrementAndGet());

        Leaf(Issued issuer, String cn) {
            this.issuer = issuer;
            this.cn = cn;
        }

        Leaf keyType(Crypto.KeyType t) {
            this.keyType = t;
            return this;
        }

        Leaf key(KeyPair k) {
            this.key = k;
            return this;
        }

        Leaf validity(Instant from, Instant to) {
            this.notBefore = from;
            this.notAfter = to;
            return this;
        }

        Leaf keyUsage(int usage) {
            this.keyUsage = usage;
            return this;
        }

        Leaf uri(String uri) {
            sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
            return this;
        }

        Leaf dns(String name) {
            sans.add(new GeneralName(GeneralName.dNSName, name));
            return this;
        }

        Leaf ip(String ip) {
            sans.add(new GeneralName(GeneralName.iPAddress, ip));
            return this;
        }

        Leaf serial(BigInteger s) {
            this.serial = s;
            return this;
        }

        Issued issue() {
            KeyPair k = key != null ? key : Crypto.generate(keyType);
            X500Name subject = cn == null ? new X500Name("O=Nodes") : new X500Name("CN=" + cn + ",O=Nodes");
            return new Issued(build(subject, k.getPublic(), subject(issuer), issuer.key().getPrivate(), notBefore, notAfter, false,
                    keyUsage, sans, serial), k);
        }
    }

    private static X500Name subject(Issued i) {
        return X500Name.getInstance(i.cert().getSubjectX500Principal().getEncoded());
    }

    private static X509Certificate build(X500Name subject, java.security.PublicKey pub, X500Name issuer, PrivateKey signer, Instant notBefore,
            Instant notAfter, boolean ca, int keyUsage, List<GeneralName> sans, BigInteger serial) {
        try {
            var b = new JcaX509v3CertificateBuilder(issuer, serial, Date.from(notBefore), Date.from(notAfter), subject, pub);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (keyUsage != 0) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
            }
            if (!sans.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(new GeneralName[0])));
            }
            String alg = "SHA256withECDSA"; // every test CA has an EC P-256 key
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg).setProvider(Crypto.PROVIDER).build(signer)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
