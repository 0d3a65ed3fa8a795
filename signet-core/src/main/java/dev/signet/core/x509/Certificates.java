package dev.signet.core.x509;

import dev.signet.core.spiffeid.SpiffeId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Parsing and inspecting X.509 certificates. */
public final class Certificates {
    private Certificates() {}

    public static X509Certificate parse(byte[] der) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new IllegalArgumentException("malformed certificate: " + e.getMessage(), e);
        }
    }

    public static List<X509Certificate> parseAll(Collection<byte[]> ders) {
        List<X509Certificate> out = new ArrayList<>();
        for (byte[] d : ders) {
            out.add(parse(d));
        }
        return out;
    }

    public static byte[] der(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
    }

    public static List<byte[]> ders(List<X509Certificate> certs) {
        return certs.stream().map(Certificates::der).toList();
    }

    /** Concatenated DER, as the Workload API carries chains and bundles. */
    public static byte[] concat(List<X509Certificate> certs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (X509Certificate c : certs) {
            out.writeBytes(der(c));
        }
        return out.toByteArray();
    }

    /** All URI subject alternative names. */
    public static List<String> uriSans(X509Certificate c) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> sans = c.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (((Integer) san.get(0)) == 6) {
                        out.add((String) san.get(1));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("malformed subject alternative names: " + e.getMessage(), e);
        }
        return out;
    }

    /** The SPIFFE ID of an X509-SVID: its one URI SAN, if it has exactly one and it parses. */
    public static Optional<SpiffeId> spiffeId(X509Certificate c) {
        List<String> uris = uriSans(c);
        if (uris.size() != 1) {
            return Optional.empty();
        }
        try {
            return Optional.of(SpiffeId.parse(uris.get(0)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
