package dev.signet.agent.intention;

import dev.signet.core.intention.Action;
import dev.signet.core.intention.Intention;
import dev.signet.core.intention.IntentionProtos;
import dev.signet.core.intention.Intentions;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The intentions and default policy the server last pushed, for answering {@code /v1/agent/connect/authorize}
 * locally — also while the server is unreachable. Until the first sync there are none and the policy is
 * {@code deny}: the agent does not know the server's default and fails closed.
 */
public final class IntentionCache {
    private static final Logger log = LoggerFactory.getLogger(IntentionCache.class);

    private volatile Intentions current = Intentions.empty(Action.DENY);
    private volatile boolean synced;

    /** Replaces the set with a sync message's; malformed intentions are skipped (logged). */
    public void update(List<dev.signet.proto.intention.v1.Intention> protos, String defaultPolicy) {
        List<Intention> list = new ArrayList<>();
        for (var p : protos) {
            try {
                list.add(IntentionProtos.fromProto(p));
            } catch (IllegalArgumentException e) {
                log.warn("ignoring malformed intention {} from server: {}", p.getId(), e.getMessage());
            }
        }
        Action policy;
        try {
            policy = defaultPolicy == null || defaultPolicy.isEmpty() ? Action.DENY : Action.parse(defaultPolicy);
        } catch (IllegalArgumentException e) {
            log.warn("unknown default_intention_policy \"{}\" from server; using deny", defaultPolicy);
            policy = Action.DENY;
        }
        current = new Intentions(list, policy);
        synced = true;
    }

    /** Replaces the set directly (tests, or a caller that decoded intentions itself). */
    public void set(Intentions intentions) {
        current = intentions;
        synced = true;
    }

    public Intentions current() {
        return current;
    }

    /** True once the server sent intentions. */
    public boolean synced() {
        return synced;
    }
}
