package dev.signet.server.ca;

import dev.signet.core.bundle.JwtAuthority;
import dev.signet.core.bundle.TrustBundle;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Certificates;
import dev.signet.server.store.StoredBundle;
import dev.signet.server.store.StoredJwtAuthority;
import java.util.ArrayList;
import java.util.List;

/** Reads the datastore's bundle into the one bundle model, {@link TrustBundle}. */
public final class TrustBundles {
    private TrustBundles() {}

    /** The stored bundle as a {@link TrustBundle} with the default refresh hint. */
    public static TrustBundle of(StoredBundle b) {
        List<JwtAuthority> jwt = new ArrayList<>(b.jwtAuthorities().size());
        for (StoredJwtAuthority a : b.jwtAuthorities()) {
            jwt.add(new JwtAuthority(a.keyId(), JwtAuthority.parsePublicKey(a.publicKey()), a.expiresAt()));
        }
        return new TrustBundle(b.trustDomain(), Certificates.parseAll(b.x509Authorities()), jwt, b.sequence(), null);
    }

    /** An empty bundle (sequence 0) for a trust domain the store has none for. */
    public static TrustBundle empty(TrustDomain td) {
        return new TrustBundle(td, List.of(), List.of(), 0, null);
    }
}
