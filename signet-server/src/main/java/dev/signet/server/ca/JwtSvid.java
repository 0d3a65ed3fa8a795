package dev.signet.server.ca;

import java.time.Instant;

/** A minted JWT-SVID: the JWS compact serialization and its {@code iat} and {@code exp}. */
public record JwtSvid(String token, Instant issuedAt, Instant expiresAt, String keyId) {}
