package dev.signet.core.x509;

import dev.signet.core.spiffeid.SpiffeId;
import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Authenticates an X509-SVID chain the way the X509-SVID standard §5 requires: the leaf is not
 * a CA, has no keyCertSign/cRLSign, has exactly one URI SAN which is a SPIFFE ID with a path; the chain
 * validates (RFC 5280, at the given time) to one of the trust bundle's authorities.
 */
public final class SvidVerifier {
    private SvidVerifier() {}

    /**
     * @param chain leaf first, then intermediates
     * @return the leaf's SPIFFE ID
     * @throws GeneralSecurityException saying why the chain is not a valid SVID
     */
    public static SpiffeId verify(List<X509Certificate> chain, Collection<X509Certificate> bundle, Instant at) throws GeneralSecurityException {
        if (chain == null || chain.isEmpty()) {
            throw new GeneralSecurityException("no certificate presented");
        }
        X509Certificate leaf = chain.get(0);
        if (leaf.getBasicConstraints() != -1) {
            throw new GeneralSecurityException("leaf certificate is a CA");
        }
        boolean[] ku = leaf.getKeyUsage();
        if (ku == null || !ku[0]) {
            throw new GeneralSecurityException("leaf certificate lacks keyUsage digitalSignature");
        }
        if ((ku.length > 5 && ku[5]) || (ku.length > 6 && ku[6])) {
            throw new GeneralSecurityException("leaf certificate has keyCertSign or cRLSign");
        }
        List<String> uris = Certificates.uriSans(leaf);
        if (uris.size() != 1) {
            throw new GeneralSecurityException("leaf certificate must have exactly one URI SAN, has " + uris.size());
        }
        SpiffeId id;
        try {
            id = SpiffeId.parse(uris.get(0));
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("leaf URI SAN is not a SPIFFE ID: " + e.getMessage());
        }
        if (id.isRoot()) {
            throw new GeneralSecurityException("leaf SPIFFE ID " + id + " has no path");
        }
        Set<TrustAnchor> anchors = new HashSet<>();
        for (X509Certificate ca : bundle) {
            anchors.add(new TrustAnchor(ca, null));
        }
        if (anchors.isEmpty()) {
            throw new GeneralSecurityException("trust bundle is empty");
        }
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        CertPath path = cf.generateCertPath(chain);
        PKIXParameters params = new PKIXParameters(anchors);
        params.setRevocationEnabled(false);
        params.setDate(Date.from(at));
        CertPathValidator.getInstance("PKIX").validate(path, params);
        return id;
    }
}
