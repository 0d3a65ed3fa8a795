package dev.signet.core.consul;

import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Pem;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1OctetString;

/**
 * Consul's CA roots document ({@code /v1/connect/ca/roots}, {@code /v1/agent/connect/ca/roots}):
 * {@code {ActiveRootID, TrustDomain, Roots[]}} as an ordered map for any JSON writer, shared by the agent and
 * the server so both answer the same shape.
 */
public final class ConsulRoots {
    private ConsulRoots() {}

    /**
     * The roots document.
     *
     * @param active the active root (one of {@code certs}), or null if none is
     */
    public static Map<String, Object> json(TrustDomain trustDomain, List<X509Certificate> certs, X509Certificate active) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ActiveRootID", active == null ? "" : fingerprint(active));
        out.put("TrustDomain", trustDomain.name());
        List<Object> roots = new ArrayList<>();
        for (X509Certificate c : certs) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("ID", fingerprint(c));
            // Consul names roots for people ("Consul CA Primary Cert"); the DN here is only C/O/serialNumber.
            r.put("Name", "Signet CA " + c.getSerialNumber().toString(16));
            r.put("SerialNumber", c.getSerialNumber());
            r.put("SigningKeyID", signingKeyId(c));
            r.put("ExternalTrustDomain", "");
            r.put("NotBefore", c.getNotBefore().toInstant().toString());
            r.put("NotAfter", c.getNotAfter().toInstant().toString());
            r.put("RootCert", Pem.encodeCertificates(List.of(c)));
            r.put("IntermediateCerts", List.of());
            r.put("Active", c == active);
            PublicKey k = c.getPublicKey();
            if (k instanceof ECPublicKey ec) {
                r.put("PrivateKeyType", "ec");
                r.put("PrivateKeyBits", ec.getParams().getOrder().bitLength());
            } else if (k instanceof RSAPublicKey rsa) {
                r.put("PrivateKeyType", "rsa");
                r.put("PrivateKeyBits", rsa.getModulus().bitLength());
            }
            roots.add(r);
        }
        out.put("Roots", roots);
        return out;
    }

    /**
     * The active root: the one that issued {@code probe} (a certificate signed by the active CA) if given and
     * found; otherwise the root valid at {@code now} with the latest NotBefore; null if none is valid.
     */
    public static X509Certificate activeRoot(List<X509Certificate> certs, X509Certificate probe, Instant now) {
        if (probe != null) {
            for (X509Certificate c : certs) {
                try {
                    if (c.getSubjectX500Principal().equals(probe.getIssuerX500Principal())) {
                        probe.verify(c.getPublicKey());
                        return c;
                    }
                } catch (GeneralSecurityException e) {
                    // not this one
                }
            }
        }
        return certs.stream()
                .filter(c -> !now.isBefore(c.getNotBefore().toInstant()) && !now.isAfter(c.getNotAfter().toInstant()))
                .max(Comparator.comparing(c -> c.getNotBefore().toInstant()))
                .orElse(null);
    }

    /** Consul's root ID: the colon-separated hex SHA-1 of the DER certificate. */
    public static String fingerprint(X509Certificate c) {
        try {
            return colonHex(MessageDigest.getInstance("SHA-1").digest(c.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The subject key identifier in colon hex, or the SHA-1 of the public key when the certificate has none. */
    public static String signingKeyId(X509Certificate c) {
        byte[] ext = c.getExtensionValue("2.5.29.14");
        try {
            if (ext != null) {
                byte[] inner = ASN1OctetString.getInstance(ext).getOctets();
                return colonHex(ASN1OctetString.getInstance(inner).getOctets());
            }
            return colonHex(MessageDigest.getInstance("SHA-1").digest(c.getPublicKey().getEncoded()));
        } catch (NoSuchAlgorithmException | IllegalArgumentException e) {
            return "";
        }
    }

    private static String colonHex(byte[] b) {
        return HexFormat.ofDelimiter(":").formatHex(b);
    }
}
