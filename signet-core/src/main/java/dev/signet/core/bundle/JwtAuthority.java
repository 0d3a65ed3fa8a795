package dev.signet.core.bundle;

import java.security.PublicKey;
import java.time.Instant;
import java.util.Objects;

/** A JWT signing key's public half, published in a trust bundle under its key ID. */
public record JwtAuthority(String keyId, PublicKey publicKey, Instant expiresAt) {
    public JwtAuthority {
        if (keyId == null || keyId.isBlank()) {
            throw new IllegalArgumentException("JWT authority needs a key ID");
        }
        Objects.requireNonNull(publicKey, "publicKey");
    }
}
