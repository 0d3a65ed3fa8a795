package dev.signet.server.store;

import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A JWT signing key as a bundle stores it: its key ID, PKIX SubjectPublicKeyInfo DER public key, when it
 * stops signing, and the JWS algorithm it signs with ({@code ES256}, {@code RS256}, …; null when unknown).
 * Equality compares the key bytes, not the array reference.
 */
public record StoredJwtAuthority(String keyId, byte[] publicKey, Instant expiresAt, String algorithm) {
    public StoredJwtAuthority {
        if (keyId == null || keyId.isEmpty()) {
            throw new IllegalArgumentException("a JWT authority needs a key ID");
        }
        Objects.requireNonNull(publicKey, "publicKey");
        if (publicKey.length == 0) {
            throw new IllegalArgumentException("a JWT authority's public key must not be empty");
        }
        Objects.requireNonNull(expiresAt, "expiresAt");
        publicKey = publicKey.clone();
    }

    /** A copy: the record's array is never handed out for mutation. */
    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredJwtAuthority a && keyId.equals(a.keyId) && Arrays.equals(publicKey, a.publicKey)
                && expiresAt.equals(a.expiresAt) && Objects.equals(algorithm, a.algorithm);
    }

    @Override
    public int hashCode() {
        return Objects.hash(keyId, Arrays.hashCode(publicKey), expiresAt, algorithm);
    }

    @Override
    public String toString() {
        return "StoredJwtAuthority[" + keyId + ", " + algorithm + ", expires " + expiresAt + ", key "
                + HexFormat.of().formatHex(publicKey, 0, Math.min(8, publicKey.length)) + "…]";
    }
}
