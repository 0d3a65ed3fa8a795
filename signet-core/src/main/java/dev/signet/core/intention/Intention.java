package dev.signet.core.intention;

import java.time.Instant;

/**
 * One intention: may {@code source} connect to {@code destination}? At most one intention exists per
 * (source, destination) pair.
 *
 * @param id assigned by the store (null before)
 * @param description free text, empty when none
 * @param createdAt null before stored
 * @param updatedAt null before stored
 */
public record Intention(String id, IntentionSource source, IntentionDestination destination, Action action,
        String description, Instant createdAt, Instant updatedAt) {
    /** Longest description accepted. */
    public static final int MAX_DESCRIPTION = 512;

    public Intention {
        if (source == null || destination == null || action == null) {
            throw new IllegalArgumentException("an intention needs a source, a destination and an action");
        }
        description = description == null ? "" : description;
        if (description.length() > MAX_DESCRIPTION) {
            throw new IllegalArgumentException("is longer than " + MAX_DESCRIPTION + " characters");
        }
    }

    /** A new, unstored intention. */
    public static Intention of(String source, String destination, Action action, String description) {
        return new Intention(null, IntentionSource.parse(source), IntentionDestination.parse(destination), action,
                description, null, null);
    }

    /**
     * Consul's precedence, 9 (exact source to exact destination) down to 1 ({@code *} to {@code *}): the
     * destination band (exact 7–9, namespace wildcard 4–6, {@code *} 1–3) plus the source's specificity
     * (exact service or SPIFFE ID +2, namespace or trust domain +1, {@code *} +0).
     */
    public int precedence() {
        return destination.specificity() * 3 + source.specificity() + 1;
    }

    /** {@code source => destination (action)}. */
    public String summary() {
        return source + " => " + destination + " (" + action.text() + ")";
    }
}
