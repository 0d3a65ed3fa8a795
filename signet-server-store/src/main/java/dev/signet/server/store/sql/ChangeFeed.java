package dev.signet.server.store.sql;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The machinery behind {@link dev.signet.server.store.Datastore#watch} and
 * {@link dev.signet.server.store.CatalogReportStore#watch}: a signal ("something of this {@link Topic} may have
 * changed") fans out to every listener registered for that topic, each through its own coalescing state machine so that calls to one
 * listener are never concurrent and any number of signals during a call collapse into one more call.
 *
 * <p>Signals come from two places: the {@link Transactions} right after committing a transaction that raised the
 * change counter (so this process's changes propagate at once), and a per-dialect {@link Source} that notices other
 * processes' commits (SQLite: a poller; PostgreSQL: LISTEN). The source is started on the first {@link #watch}, so a
 * store nobody watches runs no extra thread.
 */
final class ChangeFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChangeFeed.class);

    /** What changed: what {@code change_counter} covers, or the catalog reports ({@code catalog_counter}). */
    enum Topic {
        CHANGES,
        CATALOG
    }

    /** Notices other processes' changes and calls the signal; stopped when the feed closes. */
    interface Source {
        void stop();
    }

    /** Starts a {@link Source} that calls {@code signal} with a topic whenever something of it may have changed. */
    @FunctionalInterface
    interface SourceFactory {
        Source start(Consumer<Topic> signal);
    }

    private final String description;
    private final SourceFactory sourceFactory;
    private final Set<Listener> listeners = ConcurrentHashMap.newKeySet();
    private final ExecutorService calls;
    private Source source;
    private boolean closed;

    ChangeFeed(String description, SourceFactory sourceFactory) {
        this.description = description;
        this.sourceFactory = sourceFactory;
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "signet-store-watch-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.calls = Executors.newCachedThreadPool(threads);
    }

    /** Registers {@code listener} for {@link Topic#CHANGES}; see {@link dev.signet.server.store.Datastore#watch}. */
    AutoCloseable watch(Runnable listener) {
        return watch(Topic.CHANGES, listener);
    }

    /** Registers {@code listener} for one topic. */
    AutoCloseable watch(Topic topic, Runnable listener) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(listener, "listener");
        Listener l = new Listener(topic, listener);
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException(description + ": the datastore is closed");
            }
            listeners.add(l);
            if (source == null) {
                source = sourceFactory.start(this::signal);
            }
        }
        return () -> listeners.remove(l);
    }

    /** Something of {@code topic} may have changed: its listeners get a call soon (one call however many signals). */
    void signal(Topic topic) {
        for (Listener l : listeners) {
            if (l.topic == topic) {
                l.signal();
            }
        }
    }

    /** Stops the source and all calls; a call already running finishes. Idempotent. */
    @Override
    public void close() {
        Source s;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            s = source;
            source = null;
        }
        listeners.clear();
        if (s != null) {
            s.stop();
        }
        calls.shutdown();
    }

    /** One listener's state: IDLE, RUNNING (a call in progress), or RUNNING_AGAIN (one more call is owed). */
    private final class Listener implements Runnable {
        private static final int IDLE = 0;
        private static final int RUNNING = 1;
        private static final int RUNNING_AGAIN = 2;

        private final Topic topic;
        private final Runnable target;
        private final AtomicInteger state = new AtomicInteger(IDLE);

        Listener(Topic topic, Runnable target) {
            this.topic = topic;
            this.target = target;
        }

        void signal() {
            while (true) {
                int s = state.get();
                if (s == RUNNING_AGAIN) {
                    return;
                }
                if (s == RUNNING) {
                    if (state.compareAndSet(RUNNING, RUNNING_AGAIN)) {
                        return;
                    }
                } else if (state.compareAndSet(IDLE, RUNNING)) {
                    try {
                        calls.execute(this);
                    } catch (RejectedExecutionException closing) {
                        state.set(IDLE);
                    }
                    return;
                }
            }
        }

        @Override
        public void run() {
            while (true) {
                if (listeners.contains(this)) {
                    try {
                        target.run();
                    } catch (RuntimeException | Error e) {
                        log.warn("{}: a change listener failed; it is called again on the next change", description, e);
                    }
                }
                // RUNNING_AGAIN -> RUNNING: go round once more; RUNNING -> IDLE: done.
                if (state.compareAndSet(RUNNING, IDLE)) {
                    return;
                }
                state.set(RUNNING);
            }
        }
    }
}
