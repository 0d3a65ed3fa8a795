package dev.signet.server.store.sql;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQLite change {@link ChangeFeed.Source}: one daemon thread per store reading the change counter and the catalog
 * counter every interval (one read) and signalling each {@link ChangeFeed.Topic} whose counter moved. The first value is read before {@link #start} returns, so a change
 * committed by another process right after {@code watch()} is not missed. A failed read (e.g. the file is
 * briefly locked for a checkpoint) is logged once and retried; after a failure the next good read signals,
 * because a change may have been missed in between.
 */
final class CounterPoller implements ChangeFeed.Source, Runnable {
    private static final Logger log = LoggerFactory.getLogger(CounterPoller.class);

    private final String description;
    private final Transactions tx;
    private final long intervalNanos;
    private final Consumer<ChangeFeed.Topic> signal;
    private final Thread thread;
    private volatile boolean stopped;
    private long last;
    private long lastCatalog;
    private boolean failing;

    private CounterPoller(String description, Transactions tx, Duration interval, Consumer<ChangeFeed.Topic> signal) {
        this.description = description;
        this.tx = tx;
        this.intervalNanos = interval.toNanos();
        this.signal = signal;
        this.thread = new Thread(this, "signet-store-poll");
        thread.setDaemon(true);
    }

    static CounterPoller start(String description, Transactions tx, Duration interval, Consumer<ChangeFeed.Topic> signal) {
        CounterPoller p = new CounterPoller(description, tx, interval, signal);
        try {
            long[] now = tx.read("reading the change counters", CounterPoller::counters);
            p.last = now[0];
            p.lastCatalog = now[1];
        } catch (RuntimeException e) {
            p.failing = true;
        }
        p.thread.start();
        return p;
    }

    @Override
    public void run() {
        while (!stopped) {
            LockSupport.parkNanos(intervalNanos);
            if (stopped) {
                return;
            }
            long[] now;
            try {
                now = tx.read("reading the change counters", CounterPoller::counters);
            } catch (RuntimeException e) {
                if (stopped) {
                    return;
                }
                if (!failing) {
                    log.warn("{}: cannot read the change counter, will retry: {}", description, e.getMessage());
                    failing = true;
                }
                continue;
            }
            boolean changes = now[0] != last || failing;
            boolean catalog = now[1] != lastCatalog || failing;
            if (failing) {
                log.info("{}: the change counter is readable again", description);
            }
            failing = false;
            last = now[0];
            lastCatalog = now[1];
            if (changes) {
                signal.accept(ChangeFeed.Topic.CHANGES);
            }
            if (catalog) {
                signal.accept(ChangeFeed.Topic.CATALOG);
            }
        }
    }

    private static long[] counters(Connection c) throws SQLException {
        return new long[] {Jdbc.changeCounter(c), Jdbc.catalogCounter(c)};
    }

    @Override
    public void stop() {
        stopped = true;
        LockSupport.unpark(thread);
    }
}
