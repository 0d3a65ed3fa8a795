package dev.signet.agent.cache;

import dev.signet.core.registration.Entry;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * One identity the agent holds for workloads: the entry it was minted for, the X509-SVID chain (leaf
 * first; the root is not included) and the private key, which was generated on this node and never
 * leaves it except to the attested workload over the local socket.
 */
public record X509Identity(Entry entry, List<X509Certificate> chain, PrivateKey key) {
    public X509Identity {
        chain = List.copyOf(chain);
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /**
     * The leaf's one URI SAN, byte for byte — what the certificate proves, and what java-spiffe requires the
     * Workload API's {@code spiffe_id} to equal exactly.
     */
    public String uriSan() {
        List<String> uris = dev.signet.core.x509.Certificates.uriSans(leaf());
        if (uris.size() != 1) {
            throw new IllegalStateException("the X509-SVID of entry " + entry.id() + " has " + uris.size()
                    + " URI SANs, expected exactly 1");
        }
        return uris.get(0);
    }

    /** The private key as unencrypted PKCS#8 DER, as the Workload API and SDS hand it out. */
    public byte[] pkcs8() {
        byte[] der = "PKCS#8".equals(key.getFormat()) ? key.getEncoded() : null;
        if (der == null) {
            throw new IllegalStateException("the private key of entry " + entry.id() + " has no PKCS#8 encoding");
        }
        return der;
    }

    @Override
    public String toString() {
        return "X509Identity[" + entry.spiffeId() + " entry " + entry.id() + ", expires " + leaf().getNotAfter() + "]";
    }
}
