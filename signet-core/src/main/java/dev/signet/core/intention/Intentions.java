package dev.signet.core.intention;

import java.util.Comparator;
import java.util.List;

/**
 * A set of intentions plus the default policy, and the decision for a caller and a destination service:
 * among the intentions whose destination covers the service and whose source covers the caller, the one with
 * the highest {@linkplain Intention#precedence() precedence} decides; at equal precedence a deny wins over an
 * allow. When none matches, the default policy applies.
 */
public record Intentions(List<Intention> all, Action defaultPolicy) {
    /** Highest precedence first; then deny before allow; then by source and destination text (stable listings). */
    public static final Comparator<Intention> PRECEDENCE_ORDER = Comparator.comparingInt(Intention::precedence).reversed()
            .thenComparing(i -> i.action() == Action.DENY ? 0 : 1)
            .thenComparing(i -> i.source().toString())
            .thenComparing(i -> i.destination().toString());

    public Intentions {
        all = all.stream().sorted(PRECEDENCE_ORDER).toList();
        if (defaultPolicy == null) {
            throw new IllegalArgumentException("a default policy is required");
        }
    }

    public static Intentions empty(Action defaultPolicy) {
        return new Intentions(List.of(), defaultPolicy);
    }

    /**
     * May {@code caller} connect to the service {@code namespace/service}?
     *
     * @param namespace the destination's namespace ({@code default} when the caller did not say)
     */
    public Decision decide(Caller caller, String namespace, String service) {
        // all is sorted by precedence, deny first within one precedence: the first match decides.
        for (Intention i : all) {
            if (i.destination().matches(namespace, service) && i.source().matches(caller)) {
                return new Decision(i.action() == Action.ALLOW, i,
                        "Matched intention " + i.summary() + (i.id() == null ? "" : ", ID " + i.id()));
            }
        }
        return new Decision(defaultPolicy == Action.ALLOW, null,
                "No intention matched; default_intention_policy is " + defaultPolicy.text());
    }
}
