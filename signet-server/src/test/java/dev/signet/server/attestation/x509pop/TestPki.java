package dev.signet.server.attestation.x509pop;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.signet.core.x509.Crypto;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
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

/** Test CAs and node certificates built with BouncyCastle, and answers to x509pop challenges. */
public final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(0x7f00);

    private TestPki() {}

    /** A certificate and its key. */
    public record Issued(X509Certificate cert, KeyPair key) {}

    public static Issued rootCa(String cn, Instant notBefore, Instant notAfter) {
        KeyPair k = Crypto.generate(Crypto.KeyType.EC_P256);
        return new Issued(build(new X500Name("CN=" + cn), k.getPublic(), new X500Name("CN=" + cn), k.getPrivate(), notBefore, notAfter,
                true, KeyUsage.keyCertSign | KeyUsage.cRLSign, List.of(), BigInteger.valueOf(SERIAL.incrementAndGet())), k);
    }

    public static Issued intermediate(Issued issuer, String cn, Instant notBefore, Instant notAfter) {
        KeyPair k = Crypto.generate(Crypto.KeyType.EC_P256);
        return new Issued(build(new X500Name("CN=" + cn), k.getPublic(), subject(issuer), issuer.key().getPrivate(), notBefore, notAfter,
                true, KeyUsage.keyCertSign | KeyUsage.cRLSign, List.of(), BigInteger.valueOf(SERIAL.incrementAndGet())), k);
    }

    /** A node certificate builder. */
    public static Leaf leaf(Issued issuer, String cn) {
        return new Leaf(issuer, cn);
    }

    public static final class Leaf {
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

        public Leaf keyType(Crypto.KeyType t) {
            this.keyType = t;
            return this;
        }

        public Leaf key(KeyPair k) {
            this.key = k;
            return this;
        }

        public Leaf validity(Instant from, Instant to) {
            this.notBefore = from;
            this.notAfter = to;
            return this;
        }

        public Leaf keyUsage(int usage) {
            this.keyUsage = usage;
            return this;
        }

        public Leaf uri(String uri) {
            sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
            return this;
        }

        public Leaf dns(String name) {
            sans.add(new GeneralName(GeneralName.dNSName, name));
            return this;
        }

        public Leaf ip(String ip) {
            sans.add(new GeneralName(GeneralName.iPAddress, ip));
            return this;
        }

        public Leaf serial(BigInteger s) {
            this.serial = s;
            return this;
        }

        public Issued issue() {
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

    /** The agent payload {"certificates":[base64 DER...]}. */
    public static byte[] payload(X509Certificate... chain) throws Exception {
        List<String> ders = new ArrayList<>();
        for (X509Certificate c : chain) {
            ders.add(Base64.getEncoder().encodeToString(c.getEncoded()));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("certificates", ders);
        return JSONObjectUtils.toJSONString(m).getBytes(StandardCharsets.UTF_8);
    }

    /** Answers a challenge by the documented protocol, with the JDK's default providers. */
    public static byte[] answer(byte[] challenge, PrivateKey key) {
        try {
            Map<String, Object> c = JSONObjectUtils.parse(new String(challenge, StandardCharsets.UTF_8));
            byte[] serverNonce = Base64.getDecoder().decode((String) c.get("nonce"));
            byte[] agentNonce = new byte[32];
            new SecureRandom().nextBytes(agentNonce);
            Signature s;
            if (key instanceof ECPrivateKey) {
                if (!"ecdsa-sha256".equals(c.get("scheme"))) {
                    throw new AssertionError("scheme " + c.get("scheme") + " for an EC key");
                }
                s = Signature.getInstance("SHA256withECDSA");
            } else {
                if (!"rsa-pss-sha256".equals(c.get("scheme"))) {
                    throw new AssertionError("scheme " + c.get("scheme") + " for an RSA key");
                }
                s = Signature.getInstance("RSASSA-PSS");
                s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
            }
            s.initSign(KeyFactory.getInstance(key.getAlgorithm()).generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(key.getEncoded())));
            s.update(serverNonce);
            s.update(agentNonce);
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("nonce", Base64.getEncoder().encodeToString(agentNonce));
            a.put("signature", Base64.getEncoder().encodeToString(s.sign()));
            return JSONObjectUtils.toJSONString(a).getBytes(StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
