package dev.signet.agent.endpoints.sds;

import dev.signet.agent.cache.WorkloadUpdate;
import dev.signet.agent.endpoints.workload.IdentitySource;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.TrustDomain;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * An {@link IdentitySource} a test pushes states into. Like the real cache it calls listeners on its own
 * thread (one, so updates arrive in order): first with the current state, then after each {@link #set}.
 */
final class FakeSource implements IdentitySource, AutoCloseable {
    private final ExecutorService cacheThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fake-identity-cache");
        t.setDaemon(true);
        return t;
    });
    private final Set<Sub> subscriptions = ConcurrentHashMap.newKeySet();
    private volatile boolean ready = true;
    private volatile WorkloadUpdate state = new WorkloadUpdate(new TrustDomain("example.org"), List.of(), List.of(), false);

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
