package dev.signet.agent.cache;

import dev.signet.core.bundle.TrustBundle;
import dev.signet.core.registration.Entry;
import dev.signet.core.spiffeid.TrustDomain;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * What a workload with a given selector set is entitled to right now: its identities, ordered by entry ID
 * with duplicate non-empty hints removed (the first one wins), and the own trust domain's bundle.
 *
 * @param identities the X509-SVIDs of {@code entries} that have been minted
 * @param trustBundle the own trust domain's bundle: X.509 authorities and JWT authorities
 * @param pending true while some entry that matches the workload has no SVID yet (it is being minted);
 *     an update with no identities and {@code pending} is not a denial, just "not yet"
 * @param entries the entries the workload is entitled to, in the same order and with the same hint
 *     deduplication as {@code identities}, whether or not their X509-SVID exists yet (JWT-SVIDs are
 *     minted per entry, on request)
 */
public record WorkloadUpdate(TrustDomain trustDomain, List<X509Identity> identities, TrustBundle trustBundle, boolean pending,
        List<Entry> entries) {

    public WorkloadUpdate {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(trustBundle, "trustBundle");
        identities = List.copyOf(identities);
        entries = List.copyOf(entries);
    }

    /** An update with an X.509-only bundle whose entries are those of its identities. */
    public WorkloadUpdate(TrustDomain trustDomain, List<X509Identity> identities, List<X509Certificate> bundle, boolean pending) {
        this(trustDomain, identities, new TrustBundle(trustDomain, bundle, List.of(), 0, null), pending,
                identities.stream().map(X509Identity::entry).toList());
    }

    /** The own trust domain's X.509 authorities (CA certificates). */
    public List<X509Certificate> bundle() {
        return trustBundle.x509Authorities();
    }
}
