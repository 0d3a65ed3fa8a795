package dev.signet.agent.attestor.workload.k8s;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
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

/** A throw-away CA (BouncyCastle) issuing kubelet serving certificates and client certificates, as PEM files. */
final class KubeletPki {
    private static final AtomicLong SERIAL = new AtomicLong(1);

    final KeyPair caKey = ec();
    final X509Certificate ca;

    KubeletPki(String name) {
        ca = cert(new X500Name("CN=" + name), caKey.getPublic(), new X500Name("CN=" + name), true, List.of());
    }

    record Issued(KeyPair key, X509Certificate cert) {}

    /** A serving certificate with these DNS names and IP addresses as SANs. */
    Issued server(String cn, String... sans) {
        KeyPair k = ec();
        List<GeneralName> names = new ArrayList<>();
        for (String s : sans) {
            names.add(new GeneralName(s.matches("[0-9.]+") ? GeneralName.iPAddress : GeneralName.dNSName, s));
        }
        return new Issued(k, cert(new X500Name("CN=" + cn), k.getPublic(), caName(), false, names));
    }

    Issued client(String cn) {
        KeyPair k = ec();
        return new Issued(k, cert(new X500Name("CN=" + cn), k.getPublic(), caName(), false, List.of()));
    }

    private X500Name caName() {
        return new X500Name(ca.getSubjectX500Principal().getName());
    }

    /** An SSLContext serving {@code id}; if {@code clientCa} is given, it also trusts client certificates from it. */
    static SSLContext serverContext(Issued id, X509Certificate clientCa) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("k", id.key().getPrivate(), new char[0], new X509Certificate[] {id.cert()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        TrustManagerFactory tmf = null;
        if (clientCa != null) {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            ts.setCertificateEntry("ca", clientCa);
            tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ts);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
        return ctx;
    }

    Path writeCa(Path file) throws Exception {
        Files.writeString(file, pem("CERTIFICATE", ca.getEncoded()));
        return file;
    }

    static Path writeCert(Path file, X509Certificate c) throws Exception {
        Files.writeString(file, pem("CERTIFICATE", c.getEncoded()));
        return file;
    }

    static Path writeKey(Path file, KeyPair k) throws Exception {
        Files.writeString(file, pem("PRIVATE KEY", k.getPrivate().getEncoded()));
        return file;
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    static KeyPair ec() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private X509Certificate cert(X500Name subject, PublicKey key, X500Name issuer, boolean isCa, List<GeneralName> sans) {
        try {
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.getAndIncrement()),
                    Date.from(now.minusSeconds(60)), Date.from(now.plus(1, ChronoUnit.DAYS)), subject, key);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(isCa ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
            if (!sans.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
            }
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
