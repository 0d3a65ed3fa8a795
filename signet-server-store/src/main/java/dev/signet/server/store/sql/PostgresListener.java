package dev.signet.server.store.sql;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL change {@link ChangeFeed.Source}: one daemon thread holding a dedicated connection (outside the pool)
 * that has run {@code LISTEN signet_changes} and {@code LISTEN signet_catalog}; every notification signals the feed's
 * topic of its channel. Every write transaction that bumps the change counter sends {@code NOTIFY signet_changes}
 * (one that bumps the catalog counter {@code NOTIFY signet_catalog}), which PostgreSQL delivers to every listening
 * session when that transaction commits, and never if it rolls back.
 *
 * <p>Each (re)connection signals both topics once, because notifications sent while no connection was listening are
 * lost. While connected, the thread also reads both counters every {@link #CHECK_INTERVAL}: that proves the connection alive
 * (a dead one is replaced) and catches anything a notification could have missed. Reconnection backs off from
 * 100 ms to 5 s; the first failure and the recovery are logged.
 */
final class PostgresListener implements ChangeFeed.Source, Runnable {
    private static final Logger log = LoggerFactory.getLogger(PostgresListener.class);
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(5);
    private static final int WAIT_MILLIS = 500;
    private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final String description;
    private final PostgresConnectionString target;
    private final Consumer<ChangeFeed.Topic> signal;
    private final Thread thread;
    private volatile boolean stopped;

    private PostgresListener(String description, PostgresConnectionString target, Consumer<ChangeFeed.Topic> signal) {
        this.description = description;
        this.target = target;
        this.signal = signal;
        this.thread = new Thread(this, "signet-store-listen");
        thread.setDaemon(true);
    }

    static PostgresListener start(String description, PostgresConnectionString target, Consumer<ChangeFeed.Topic> signal) {
        PostgresListener l = new PostgresListener(description, target, signal);
        l.thread.start();
        return l;
    }

    @Override
    public void run() {
        long backoff = MIN_BACKOFF_NANOS;
        boolean failing = false;
        while (!stopped) {
            try (Connection c = PostgresDatastore.connect(target, true)) {
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + PostgresTransactions.CHANNEL + "; LISTEN " + PostgresTransactions.CATALOG_CHANNEL);
                }
                long last = counter(c, "change_counter");
                long lastCatalog = counter(c, "catalog_counter");
                if (failing) {
                    log.info("{}: listening for changes again", description);
                }
                failing = false;
                backoff = MIN_BACKOFF_NANOS;
                signal.accept(ChangeFeed.Topic.CHANGES); // whatever happened while nobody listened
                signal.accept(ChangeFeed.Topic.CATALOG);
                PGConnection pg = c.unwrap(PGConnection.class);
                long nextCheck = System.nanoTime() + CHECK_INTERVAL.toNanos();
                while (!stopped) {
                    PGNotification[] notes = pg.getNotifications(WAIT_MILLIS);
                    if (stopped) {
                        return;
                    }
                    if (notes != null) {
                        boolean changes = false;
                        boolean catalog = false;
                        for (PGNotification n : notes) {
                            if (PostgresTransactions.CATALOG_CHANNEL.equals(n.getName())) {
                                catalog = true;
                            } else {
                                changes = true;
                            }
                        }
                        if (changes) {
                            signal.accept(ChangeFeed.Topic.CHANGES);
                        }
                        if (catalog) {
                            signal.accept(ChangeFeed.Topic.CATALOG);
                        }
                    }
                    if (System.nanoTime() - nextCheck >= 0) {
                        long now = counter(c, "change_counter");
                        if (now != last) {
                            last = now;
                            signal.accept(ChangeFeed.Topic.CHANGES);
                        }
                        long nowCatalog = counter(c, "catalog_counter");
                        if (nowCatalog != lastCatalog) {
                            lastCatalog = nowCatalog;
                            signal.accept(ChangeFeed.Topic.CATALOG);
                        }
                        nextCheck = System.nanoTime() + CHECK_INTERVAL.toNanos();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (stopped) {
                    return;
                }
                if (!failing) {
                    log.warn("{}: the change-notification connection failed, reconnecting: {}", description,
                            PostgresDatastore.oneLine(e));
                    failing = true;
                }
                LockSupport.parkNanos(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
            }
        }
    }

    private static long counter(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT counter FROM " + table + " WHERE id = 1")) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    /** Stops the thread, waiting briefly for it to close its connection. */
    @Override
    public void stop() {
        stopped = true;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.MILLISECONDS.toMillis(WAIT_MILLIS * 4L));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
