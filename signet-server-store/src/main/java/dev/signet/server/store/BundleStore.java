package dev.signet.server.store;

import dev.signet.core.spiffeid.TrustDomain;
import java.util.Optional;
import java.util.function.Predicate;

/** Trust bundles, keyed by trust domain. */
public interface BundleStore {
    Optional<StoredBundle> get(TrustDomain td);

    /**
     * Adds a CA certificate (DER) to the trust domain's bundle, creating the bundle if needed; adding one
     * already present changes nothing. Returns the bundle after the change, its sequence increased if it changed.
     */
    StoredBundle addX509Authority(TrustDomain td, byte[] der);

    /** Removes the authorities for which {@code remove} is true; returns the bundle after the change. */
    StoredBundle removeX509Authorities(TrustDomain td, Predicate<byte[]> remove);
}
