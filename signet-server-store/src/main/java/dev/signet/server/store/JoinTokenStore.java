package dev.signet.server.store;

import java.time.Instant;
import java.util.Optional;

/** Join tokens. */
public interface JoinTokenStore {
    /** @throws StoreException.AlreadyExists if the token exists */
    void create(JoinToken token);

    /**
     * Atomically removes and returns the token: of two concurrent callers (even on two servers) exactly one
     * gets it. Expiry is the caller's check; an expired token is removed all the same.
     */
    Optional<JoinToken> consume(String token);

    /** Deletes tokens that expired before {@code now}; returns how many. */
    int pruneExpired(Instant now);
}
