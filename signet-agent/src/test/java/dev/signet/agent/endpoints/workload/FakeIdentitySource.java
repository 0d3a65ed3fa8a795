package dev.signet.agent.endpoints.workload;

import dev.signet.agent.cache.WorkloadUpdate;
import dev.signet.agent.jwt.JwtSvid;
import dev.signet.agent.jwt.JwtSvidException;
import dev.signet.core.registration.Entry;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.TrustDomain;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * An {@link IdentitySource} a test pushes states into. Like the real cache, it calls listeners on its
 * own thread (one, so updates arrive in order): first with the current state, then after each {@link #set}.
 */
final class FakeIdentitySource implements IdentitySource, AutoCloseable {
    private final ExecutorService cacheThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fake-identity-cache");
        t.setDaemon(true);
        return t;
    });
    private final Set<Sub> subscriptions = ConcurrentHashMap.newKeySet();
    /** Selector sets of every subscribe call, in order. */
    final List<Set<Selector>> subscribed = new CopyOnWriteArrayList<>();
    private volatile boolean ready = true;
    private volatile WorkloadUpdate state = new WorkloadUpdate(new TrustDomain("example.org"), List.of(), List.of(), false);
    /** Every fetchJwtSvid call: entry ID and audience. */
    final List<String> jwtRequests = new CopyOnWriteArrayList<>();
    /** Answers fetchJwtSvid; by default there are none. */
    volatile JwtFetcher jwt = (entry, audience) -> {
        throw new JwtSvidException("no JWT-SVIDs in this fake");
    };

    @FunctionalInterface
    interface JwtFetcher {
        JwtSvid fetch(Entry entry, List<String> audience) throws JwtSvidException;
    }

    void setReady(boolean ready) {
        this.ready = ready;
    }

    /** Sets the state every subscriber sees and notifies each. */
    void set(WorkloadUpdate update) {
        state = update;
        for (Sub s : subscriptions) {
            cacheThread.execute(() -> s.deliver(update));
        }
    }

    int activeSubscriptions() {
        return subscriptions.size();
    }

    @Override
    public boolean ready() {
        return ready;
    }

    @Override
    public Subscription subscribe(Set<Selector> selectors, Consumer<WorkloadUpdate> listener) {
        subscribed.add(Set.copyOf(selectors));
        Sub s = new Sub(listener);
        subscriptions.add(s);
        WorkloadUpdate now = state;
        cacheThread.execute(() -> s.deliver(now));
        return s;
    }

    @Override
    public WorkloadUpdate current(Set<Selector> selectors) {
        return state;
    }

    @Override
    public JwtSvid fetchJwtSvid(Entry entry, List<String> audience) throws JwtSvidException {
        jwtRequests.add(entry.id() + " " + audience);
        return jwt.fetch(entry, audience);
    }

    @Override
    public void close() {
        cacheThread.shutdownNow();
    }

    private final class Sub implements Subscription {
        private final Consumer<WorkloadUpdate> listener;
        private volatile boolean closed;

        Sub(Consumer<WorkloadUpdate> listener) {
            this.listener = listener;
        }

        void deliver(WorkloadUpdate update) {
            if (!closed) {
                listener.accept(update);
            }
        }

        @Override
        public void close() {
            closed = true;
            subscriptions.remove(this);
        }
    }
}
