package dev.signet.server.attestation.x509pop;

import dev.signet.server.attestation.NodeAttestor.AttestationFailure;
import dev.signet.server.attestation.NodeAttestor.Reason;
import java.security.InvalidAlgorithmParameterException;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies the agent's certificate chain against the configured CA certificates with PKIX, at the injected
 * clock's instant, with no revocation checking and no extended-key-usage requirement. Every refusal is
 * {@link Reason#DENIED} with a message starting {@code x509pop:}.
 */
final class ChainVerifier {
    /** Largest RSA modulus accepted anywhere in the chain, in bits. */
    static final int MAX_RSA_KEY_BITS = 8192;
    private static final int KEY_USAGE_DIGITAL_SIGNATURE = 0;

    private final List<X509Certificate> cas;
    private final Set<TrustAnchor> anchors;
    private final int maxIntermediates;
    private final Clock clock;

    ChainVerifier(List<X509Certificate> cas, int maxIntermediates, Clock clock) {
        if (cas.isEmpty()) {
            throw new IllegalArgumentException("no CA certificate");
        }
        this.cas = List.copyOf(cas);
        Set<TrustAnchor> a = new HashSet<>();
        for (X509Certificate ca : cas) {
            a.add(new TrustAnchor(ca, null));
        }
        this.anchors = Set.copyOf(a);
        this.maxIntermediates = maxIntermediates;
        this.clock = clock;
    }

    /**
     * The verified path: the leaf, the intermediates the path went through, and the trust anchor last.
     *
     * @param chain the leaf first, then intermediates in any order
     */
    List<X509Certificate> verify(List<X509Certificate> chain) throws AttestationFailure {
        X509Certificate leaf = chain.get(0);
        if (chain.size() - 1 > maxIntermediates) {
            throw denied("the chain has " + (chain.size() - 1) + " intermediate certificates; at most " + maxIntermediates
                    + " are allowed (max_intermediates)");
        }
        for (int i = 0; i < chain.size(); i++) {
            if (chain.get(i).getPublicKey() instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() > MAX_RSA_KEY_BITS) {
                throw denied((i == 0 ? "the leaf certificate" : "intermediate certificate " + i) + " has a "
                        + rsa.getModulus().bitLength() + "-bit RSA key; at most " + MAX_RSA_KEY_BITS + " bits are allowed");
            }
        }
        PublicKey key = leaf.getPublicKey();
        if (!(key instanceof RSAPublicKey) && !(key instanceof ECPublicKey)) {
            throw denied("the leaf certificate's " + key.getAlgorithm() + " key is not supported (RSA or EC only)");
        }
        boolean[] usage = leaf.getKeyUsage();
        if (usage == null || usage.length <= KEY_USAGE_DIGITAL_SIGNATURE || !usage[KEY_USAGE_DIGITAL_SIGNATURE]) {
            throw denied("the leaf certificate (subject \"" + leaf.getSubjectX500Principal().getName()
                    + "\") lacks key usage digitalSignature, which proof of possession needs");
        }
        Instant now = clock.instant();
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            throw denied("the leaf certificate is not valid before " + leaf.getNotBefore().toInstant() + " (now " + now + ")");
        }
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            throw denied("the leaf certificate expired at " + leaf.getNotAfter().toInstant() + " (now " + now + ")");
        }
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(leaf);
            PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, target);
            params.setRevocationEnabled(false);
            params.setDate(Date.from(now));
            params.setMaxPathLength(maxIntermediates);
            params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(chain.subList(1, chain.size()))));
            PKIXCertPathBuilderResult r = (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX").build(params);
            List<X509Certificate> path = new ArrayList<>();
            for (var c : r.getCertPath().getCertificates()) {
                path.add((X509Certificate) c);
            }
            path.add(r.getTrustAnchor().getTrustedCert());
            return List.copyOf(path);
        } catch (CertPathBuilderException e) {
            throw new AttestationFailure(Reason.DENIED, "x509pop: the certificate (subject \"" + leaf.getSubjectX500Principal().getName()
                    + "\", issuer \"" + leaf.getIssuerX500Principal().getName() + "\") does not chain to a configured CA at " + now
                    + ": " + rootCause(e), e);
        } catch (RuntimeException e) {
            // A certificate the path builder chokes on is refused like one that does not chain.
            throw new AttestationFailure(Reason.DENIED, "x509pop: the certificate chain cannot be verified: " + e, e);
        } catch (InvalidAlgorithmParameterException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("PKIX is unavailable", e);
        }
    }

    List<X509Certificate> cas() {
        return cas;
    }

    private static String rootCause(Throwable t) {
        String msg = t.getMessage();
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            if (t.getMessage() != null) {
                msg = t.getMessage();
            }
        }
        return msg;
    }

    private static AttestationFailure denied(String problem) {
        return new AttestationFailure(Reason.DENIED, "x509pop: " + problem);
    }
}
