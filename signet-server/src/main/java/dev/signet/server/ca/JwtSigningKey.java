package dev.signet.server.ca;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Instant;

/**
 * A JWT-SVID signing key: its key ID ({@code kid}), algorithm, key pair and validity. It is published in
 * the trust bundle from {@code notBefore} (when it is prepared) and signs from its activation until
 * {@code notAfter}; no token it signs outlives {@code notAfter}. {@link #toString()} leaves the private key out.
 */
public record JwtSigningKey(String keyId, JwtAlgorithm algorithm, PrivateKey privateKey, PublicKey publicKey, Instant notBefore,
        Instant notAfter) {
    @Override
    public String toString() {
        return "JwtSigningKey[kid " + keyId + ", " + algorithm + ", valid " + notBefore + " to " + notAfter + "]";
    }
}
