package dev.signet.server.attestation.x509pop;

import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Certificates;
import dev.signet.server.attestation.NodeAttestor.AttestationFailure;
import dev.signet.server.attestation.NodeAttestor.Reason;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * The node selectors of a verified path (type {@code x509pop}):
 * <ul>
 *   <li>{@code subject:cn:<CN>} — the leaf's subject common name, if it has one;</li>
 *   <li>{@code ca:fingerprint:<sha1 hex>} — for every certificate of the verified path above the leaf, the trust
 *       anchor included;</li>
 *   <li>{@code serialnumber:<hex>} — the leaf's serial number, lowercase hex of its big-endian bytes;</li>
 *   <li>{@code san:<k>:<v>} — for every URI SAN of the leaf of the form {@code x509pop://<trust domain>/<k>/<v>};</li>
 *   <li>{@code dns:<name>} — for every DNS SAN of the leaf (named apart from {@code san:} so that a URI SAN
 *       {@code x509pop://<td>/dns/<v>} and a DNS SAN never produce the same selector).</li>
 * </ul>
 */
final class X509PopSelectors {
    static final String TYPE = "x509pop";
    private static final HexFormat HEX = HexFormat.of();

    private X509PopSelectors() {}

    static SortedSet<Selector> of(List<X509Certificate> verifiedPath, TrustDomain td) throws AttestationFailure {
        X509Certificate leaf = verifiedPath.get(0);
        List<String> values = new ArrayList<>();
        commonName(leaf).ifPresent(cn -> values.add("subject:cn:" + cn));
        for (X509Certificate ca : verifiedPath.subList(1, verifiedPath.size())) {
            values.add("ca:fingerprint:" + fingerprint(ca));
        }
        values.add("serialnumber:" + serialNumber(leaf));
        for (String uri : uriSans(leaf)) {
            sanSelector(uri, td).ifPresent(values::add);
        }
        for (String dns : dnsSans(leaf)) {
            values.add("dns:" + dns);
        }
        SortedSet<Selector> out = new TreeSet<>();
        for (String v : values) {
            try {
                out.add(new Selector(TYPE, v));
            } catch (IllegalArgumentException e) {
                throw new AttestationFailure(Reason.INVALID, "x509pop: a certificate value cannot be a selector: " + e.getMessage());
            }
        }
        return out;
    }

    /** SHA-1 of the certificate's DER, lowercase hex. */
    static String fingerprint(X509Certificate c) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-1").digest(Certificates.der(c)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Lowercase hex of the serial number's big-endian two's-complement bytes, as {@code 0a1b...}. */
    static String serialNumber(X509Certificate c) {
        return HEX.formatHex(c.getSerialNumber().toByteArray()).replaceFirst("^00(?=.)", "");
    }

    /** The first common name of the subject, if any. */
    static Optional<String> commonName(X509Certificate c) {
        X500Name name = X500Name.getInstance(c.getSubjectX500Principal().getEncoded());
        for (RDN rdn : name.getRDNs(BCStyle.CN)) {
            ASN1Encodable v = rdn.getFirst().getValue();
            String s = v instanceof ASN1String str ? str.getString() : v.toString();
            if (!s.isEmpty()) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    private static Optional<String> sanSelector(String uri, TrustDomain td) {
        URI u;
        try {
            u = new URI(uri);
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
        if (u.getScheme() == null || !u.getScheme().equalsIgnoreCase("x509pop") || u.getRawAuthority() == null
                || !u.getRawAuthority().toLowerCase(Locale.ROOT).equals(td.name())) {
            return Optional.empty();
        }
        String path = u.getPath() == null ? "" : u.getPath();
        if (!path.startsWith("/")) {
            return Optional.empty();
        }
        int slash = path.indexOf('/', 1);
        if (slash < 0) {
            return Optional.empty();
        }
        String k = path.substring(1, slash);
        String v = path.substring(slash + 1);
        if (k.isEmpty() || v.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("san:" + k + ":" + v);
    }

    static List<String> uriSans(X509Certificate c) {
        return sans(c, 6);
    }

    static List<String> dnsSans(X509Certificate c) {
        return sans(c, 2);
    }

    /** IP address SANs as the JDK renders them. */
    static List<String> ipSans(X509Certificate c) {
        return sans(c, 7);
    }

    private static List<String> sans(X509Certificate c, int type) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> sans = c.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (((Integer) san.get(0)) == type && san.get(1) instanceof String s) {
                        out.add(s);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return List.of();
        }
        return out;
    }
}
