package dev.signet.agent.jwt;

import dev.signet.core.registration.Entry;
import java.util.List;

/** Asks the server to sign a JWT-SVID (the agent API's NewJWTSVID); the agent's manager implements it. */
@FunctionalInterface
public interface JwtSvidMinter {
    /**
     * A new token for {@code entry} with exactly {@code audience} (sorted, distinct, non-empty values).
     *
     * @return the token in JWS compact serialization, unchecked
     * @throws JwtSvidException if the server cannot be reached or refuses; the message says why
     */
    String mint(Entry entry, List<String> audience) throws JwtSvidException;
}
