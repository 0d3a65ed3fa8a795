package dev.signet.agent.jwt;

import dev.signet.core.spiffeid.SpiffeId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A JWT-SVID the agent holds for a workload: the token (JWS compact) and what was checked in it.
 * {@link #toString()} never shows the token: it is a bearer credential.
 *
 * @param audience the token's {@code aud}, sorted
 * @param issuedAt the token's {@code iat}, or when the agent received it if the token has none
 */
public record JwtSvid(SpiffeId spiffeId, String token, List<String> audience, Instant issuedAt, Instant expiresAt) {
    public JwtSvid {
        Objects.requireNonNull(spiffeId, "spiffeId");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(issuedAt, "issuedAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
        audience = List.copyOf(audience);
    }

    /** Half-way through the lifetime: from then on a fresh token is fetched (SPIRE reuses JWT-SVIDs until half-life). */
    public Instant refreshAt() {
        Duration life = Duration.between(issuedAt, expiresAt);
        return life.isNegative() ? issuedAt : issuedAt.plus(life.dividedBy(2));
    }

    @Override
    public String toString() {
        return "JwtSvid[" + spiffeId + ", aud " + audience + ", expires " + expiresAt + "]";
    }
}
