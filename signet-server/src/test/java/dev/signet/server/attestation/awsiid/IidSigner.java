package dev.signet.server.attestation.awsiid;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.signet.core.x509.Pem;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * Plays AWS's part in instance identity: an RSA-2048 key with a self-signed certificate (AWS publishes one such
 * certificate per region), documents in the shape IMDS serves them, and their {@code rsa2048} signature: a PKCS#7
 * SignedData (SHA256withRSA) with the document embedded as content, base64 in 64-character lines, no PEM armour.
 */
public final class IidSigner {
    private final KeyPair key;
    private final X509Certificate certificate;

    private IidSigner(KeyPair key, X509Certificate certificate) {
        this.key = key;
        this.certificate = certificate;
    }

    /** A fresh RSA-2048 key and a self-signed certificate valid from a year ago for ten years. */
    public static IidSigner create(String organization) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            KeyPair kp = g.generateKeyPair();
            Instant now = Instant.now();
            X500Name name = new X500Name("C=US,ST=Washington State,L=Seattle,O=" + organization);
            var b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                    Date.from(now.minus(365, ChronoUnit.DAYS)), Date.from(now.plus(3650, ChronoUnit.DAYS)), name, kp.getPublic());
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withRSA").build(kp.getPrivate())));
            return new IidSigner(kp, cert);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public String certificatePem() {
        return Pem.encodeCertificates(List.of(certificate));
    }

    /** The DER of a PKCS#7 SignedData over {@code document}, content embedded. */
    public byte[] signDer(String document) {
        try {
            CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
            gen.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
                    .build(new JcaContentSignerBuilder("SHA256withRSA").build(key.getPrivate()), certificate));
            return gen.generate(new CMSProcessableByteArray(document.getBytes(StandardCharsets.UTF_8)), true).getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code rsa2048} text IMDS would serve for {@code document}. */
    public String sign(String document) {
        return base64Lines(signDer(document));
    }

    /** The agent's payload: {@code {"document": ..., "signature": ...}}. */
    public static byte[] payload(String document, String signature) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("document", document);
        m.put("signature", signature);
        return JSONObjectUtils.toJSONString(m).getBytes(StandardCharsets.UTF_8);
    }

    public static String base64Lines(byte[] der) {
        return Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    }

    /** An instance identity document as IMDS serves it (pretty-printed, with AWS's null fields). */
    public static String document(String accountId, String region, String instanceId, String imageId, String instanceType) {
        return "{\n"
                + "  \"accountId\" : \"" + accountId + "\",\n"
                + "  \"architecture\" : \"x86_64\",\n"
                + "  \"availabilityZone\" : \"" + region + "a\",\n"
                + "  \"billingProducts\" : null,\n"
                + "  \"devpayProductCodes\" : null,\n"
                + "  \"marketplaceProductCodes\" : null,\n"
                + "  \"imageId\" : \"" + imageId + "\",\n"
                + "  \"instanceId\" : \"" + instanceId + "\",\n"
                + "  \"instanceType\" : \"" + instanceType + "\",\n"
                + "  \"kernelId\" : null,\n"
                + "  \"pendingTime\" : \"2026-11-19T16:32:11Z\",\n"
                + "  \"privateIp\" : \"10.158.112.84\",\n"
                + "  \"ramdiskId\" : null,\n"
                + "  \"region\" : \"" + region + "\",\n"
                + "  \"version\" : \"2017-09-30\"\n"
                + "}";
    }
}
