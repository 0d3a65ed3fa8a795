package dev.signet.core.bundle;

import dev.signet.core.spiffeid.TrustDomain;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A trust domain's bundle: its X.509 authorities (CA certificates that sign X509-SVIDs) and JWT
 * authorities (keys that sign JWT-SVIDs), with the sequence number that rises on every change and the
 * refresh hint consumers poll at. One model, used by the server, the agent, the Workload API, SDS and the
 * CLI; {@link SpiffeBundleJson} renders it in the SPIFFE bundle format.
 */
public record TrustBundle(TrustDomain trustDomain, List<X509Certificate> x509Authorities, List<JwtAuthority> jwtAuthorities,
        long sequence, Duration refreshHint) {
    /** The {@code spiffe_refresh_hint} when none is given: 5 minutes (SPIRE's bundle endpoint default). */
    public static final Duration DEFAULT_REFRESH_HINT = Duration.ofMinutes(5);

    /** A null refresh hint means {@link #DEFAULT_REFRESH_HINT}; a hint is whole seconds, at least one (B-3). */
    public TrustBundle {
        Objects.requireNonNull(trustDomain, "trustDomain");
        x509Authorities = List.copyOf(x509Authorities);
        jwtAuthorities = List.copyOf(jwtAuthorities);
        refreshHint = refreshHint == null ? DEFAULT_REFRESH_HINT : refreshHint;
        if (refreshHint.toSeconds() < 1) {
            throw new IllegalArgumentException("refresh hint must be at least one second, got " + refreshHint);
        }
    }

    public Optional<JwtAuthority> jwtAuthority(String keyId) {
        return jwtAuthorities.stream().filter(a -> a.keyId().equals(keyId)).findFirst();
    }
}
