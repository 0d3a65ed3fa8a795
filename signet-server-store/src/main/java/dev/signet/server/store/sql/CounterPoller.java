package dev.signet.server.store.sql;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQLite change {@link ChangeFeed.Source}: one daemon thread per store reading the change counter every
 * interval and signalling when it moved. The first value is read before {@link #start} returns, so a change
 * committed by another process right after {@code watch()} is not missed. A failed read (e.g. the file is
 * briefly locked for a checkpoint) is logged once and retried; after a failure the next good read signals,
 * because a change may have been missed in between.
 */
final class CounterPoller implements ChangeFeed.Source, Runnable {
    private static final Logger log = LoggerFactory.getLogger(CounterPoller.class);

    private final String description;
    private final Transactions tx;
    private final long intervalNanos;
    private final Runnable signal;
    private final Thread thread;
    private volatile boolean stopped;
    private long last;
    private boolean failing;

    private CounterPoller(String description, Transactions tx, Duration interval, Runnable signal) {
        this.description = description;
        this.tx = tx;
        this.intervalNanos = interval.toNanos();
        this.signal = signal;
        this.thread = new Thread(this, "signet-store-poll");
        thread.setDaemon(true);
    }

    static CounterPoller start(String description, Transactions tx, Duration interval, Runnable signal) {
        CounterPoller p = new CounterPoller(description, tx, interval, signal);
        try {
            p.last = tx.read("reading the change counter", Jdbc::changeCounter);
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
            long now;
            try {
                now = tx.read("reading the change counter", Jdbc::changeCounter);
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
            if (now != last || failing) {
                if (failing) {
                    log.info("{}: the change counter is readable again", description);
                }
                failing = false;
                last = now;
                signal.run();
            }
        }
    }

    @Override
    public void stop() {
        stopped = true;
        LockSupport.unpark(thread);
    }
}
