package dev.signet.agent.jwt;

import dev.signet.core.spiffeid.SpiffeId;
import java.util.Map;

/**
 * A JWT-SVID that passed validation: its SPIFFE ID and all its claims as parsed JSON values (strings,
 * numbers, booleans, lists, maps), with {@code aud} always a list (W-25).
 */
public record ValidatedJwtSvid(SpiffeId spiffeId, Map<String, Object> claims) {
    public ValidatedJwtSvid {
        claims = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(claims));
    }
}
