package dev.signet.server.store;

import dev.signet.core.spiffeid.TrustDomain;
import java.util.List;

/**
 * A trust domain's X.509 authorities (DER CA certificates, oldest first) and JWT authorities (oldest
 * first) with a sequence number that rises on every change to either (SPIFFE bundle {@code spiffe_sequence}).
 */
public record StoredBundle(TrustDomain trustDomain, List<byte[]> x509Authorities, List<StoredJwtAuthority> jwtAuthorities,
        long sequence) {
    public StoredBundle {
        x509Authorities = List.copyOf(x509Authorities);
        jwtAuthorities = jwtAuthorities == null ? List.of() : List.copyOf(jwtAuthorities);
    }

    /** A bundle without JWT authorities. */
    public StoredBundle(TrustDomain trustDomain, List<byte[]> x509Authorities, long sequence) {
        this(trustDomain, x509Authorities, List.of(), sequence);
    }
}
