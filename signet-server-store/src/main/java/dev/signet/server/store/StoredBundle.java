package dev.signet.server.store;

import dev.signet.core.spiffeid.TrustDomain;
import java.util.List;

/**
 * A trust domain's X.509 authorities (DER CA certificates, oldest first) with a sequence number that
 * rises on every change (SPIFFE bundle {@code spiffe_sequence}).
 */
public record StoredBundle(TrustDomain trustDomain, List<byte[]> x509Authorities, long sequence) {
    public StoredBundle {
        x509Authorities = List.copyOf(x509Authorities);
    }
}
