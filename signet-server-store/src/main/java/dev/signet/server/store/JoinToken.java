package dev.signet.server.store;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** A single-use join token; its labels become the attested node's {@code join_token:label:K:V} selectors. */
public record JoinToken(String token, Instant expiresAt, SortedMap<String, String> labels) {
    public JoinToken {
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels == null ? Map.of() : labels));
    }

    /** Redacted form for logs: tokens are secrets until used. */
    @Override
    public String toString() {
        return "JoinToken[" + token.substring(0, Math.min(4, token.length())) + "…, expires " + expiresAt + ", labels " + labels + "]";
    }
}
