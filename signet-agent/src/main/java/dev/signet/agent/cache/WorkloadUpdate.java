package dev.signet.agent.cache;

import dev.signet.core.spiffeid.TrustDomain;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What a workload with a given selector set is entitled to right now: its identities, ordered by entry ID
 * with duplicate non-empty hints removed (the first one wins), and the own trust domain's X.509 bundle.
 *
 * @param pending true while some entry that matches the workload has no SVID yet (it is being minted);
 *     an update with no identities and {@code pending} is not a denial, just "not yet"
 */
public record WorkloadUpdate(TrustDomain trustDomain, List<X509Identity> identities, List<X509Certificate> bundle, boolean pending) {
    public WorkloadUpdate {
        identities = List.copyOf(identities);
        bundle = List.copyOf(bundle);
    }
}
