package dev.signet.agent.endpoints.workload;

import dev.signet.agent.cache.WorkloadUpdate;
import dev.signet.agent.jwt.JwtSvid;
import dev.signet.agent.jwt.JwtSvidException;
import dev.signet.core.registration.Entry;
import dev.signet.core.selector.Selector;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** What the Workload API needs from the agent's cache: the identities and bundle for a set of selectors. */
public interface IdentitySource {
    /** False until the agent has synced with the server at least once (the API then answers UNAVAILABLE). */
    boolean ready();

    /**
     * Subscribes to the identities of a workload with these selectors. The listener is called once promptly
     * with the current state (possibly on the calling thread, before this method returns, so the caller must
     * not hold a lock the listener takes, and must cope with an update arriving before it has the returned
     * subscription), then after every change that affects it: rotation, entry created/updated/deleted,
     * bundle change (X.509 or JWT authorities). Calls to one listener never overlap and never deliver an
     * older state after a newer one. Close the subscription to stop.
     */
    Subscription subscribe(Set<Selector> selectors, Consumer<WorkloadUpdate> listener);

    /** The current state for these selectors, without subscribing. */
    WorkloadUpdate current(Set<Selector> selectors);

    /**
     * A JWT-SVID for {@code entry} (one of {@link WorkloadUpdate#entries()}) with exactly these audiences: a
     * cached one until about half-life, else a new one from the server. May block on the server. The
     * default has none.
     *
     * @param audience non-empty, no empty values
     * @throws JwtSvidException if no token can be had; the message says why
     */
    default JwtSvid fetchJwtSvid(Entry entry, List<String> audience) throws JwtSvidException {
        throw new JwtSvidException("JWT-SVIDs are not available from this identity source");
    }

    /** An open subscription. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
