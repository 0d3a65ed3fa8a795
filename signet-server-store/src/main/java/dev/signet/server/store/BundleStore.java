package dev.signet.server.store;

import dev.signet.core.spiffeid.TrustDomain;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Trust bundles, keyed by trust domain: X.509 authorities and JWT authorities under one sequence number
 * that rises with every change to either.
 */
public interface BundleStore {
    Optional<StoredBundle> get(TrustDomain td);

    /**
     * Adds a CA certificate (DER) to the trust domain's bundle, creating the bundle if needed; adding one
     * already present changes nothing. Returns the bundle after the change, its sequence increased if it changed.
     */
    StoredBundle addX509Authority(TrustDomain td, byte[] der);

    /** Removes the authorities for which {@code remove} is true; returns the bundle after the change. */
    StoredBundle removeX509Authorities(TrustDomain td, Predicate<byte[]> remove);

    /**
     * Adds a JWT authority to the trust domain's bundle, creating the bundle if needed; adding one already
     * present (equal in every field) changes nothing. Returns the bundle after the change, its sequence
     * increased if it changed.
     *
     * @throws StoreException.AlreadyExists if the bundle holds a different authority with the same key ID
     */
    StoredBundle addJwtAuthority(TrustDomain td, StoredJwtAuthority authority);

    /**
     * Removes the JWT authorities for which {@code remove} is true; returns the bundle after the change, its
     * sequence increased if anything was removed. An absent bundle is left absent.
     */
    StoredBundle removeJwtAuthorities(TrustDomain td, Predicate<StoredJwtAuthority> remove);
}
