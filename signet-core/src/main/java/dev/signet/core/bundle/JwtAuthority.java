package dev.signet.core.bundle;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Objects;

/**
 * A JWT signing key's public half, published in a trust bundle under its key ID. {@code expiresAt} is when
 * the key stops signing (tokens it signed expire no later); {@link Instant#MAX} when not recorded (a bundle
 * parsed from the SPIFFE format, which has no expiry member).
 */
public record JwtAuthority(String keyId, PublicKey publicKey, Instant expiresAt) {
    public JwtAuthority {
        if (keyId == null || keyId.isBlank()) {
            throw new IllegalArgumentException("JWT authority needs a key ID");
        }
        Objects.requireNonNull(publicKey, "publicKey");
        expiresAt = expiresAt == null ? Instant.MAX : expiresAt;
    }

    /** The public key as PKIX SubjectPublicKeyInfo DER (the wire encoding of {@code JWTAuthority.public_key}). */
    public byte[] publicKeyDer() {
        return publicKey.getEncoded();
    }

    /**
     * Reads a PKIX SubjectPublicKeyInfo DER EC or RSA public key.
     *
     * @throws IllegalArgumentException if it is neither
     */
    public static PublicKey parsePublicKey(byte[] pkixDer) {
        Objects.requireNonNull(pkixDer, "pkixDer");
        for (String alg : new String[] {"EC", "RSA"}) {
            try {
                return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(pkixDer));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("public key is not a PKIX (SubjectPublicKeyInfo) DER EC or RSA key");
    }
}
