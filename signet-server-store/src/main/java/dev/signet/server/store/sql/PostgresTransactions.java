package dev.signet.server.store.sql;

import com.zaxxer.hikari.HikariDataSource;
import dev.signet.server.store.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * PostgreSQL connection handling: a HikariCP pool (auto-commit off), one pooled connection per unit of work.
 * {@link Dialect#POSTGRES} says how a transaction begins (a cross-server write lock for writes, a read-only snapshot for
 * reads). A write that bumped the change counter queues {@code NOTIFY signet_changes} in its own transaction, so every
 * listening server hears of it exactly when it commits, and signals this process's watchers after the commit.
 *
 * <p>A commit is acknowledged only when PostgreSQL's COMMIT returned, which with {@code synchronous_commit = on}
 * (checked at open) means the commit record is flushed to disk (and to synchronous standbys if configured).
 * Connection-level failures become {@link StoreException.Unavailable}; a failure during COMMIT itself leaves the
 * outcome unknown, which the message says.
 */
final class PostgresTransactions implements Transactions {
    /** The notification channel; the payload is empty (listeners re-read). */
    static final String CHANNEL = "signet_changes";
    /** The notification channel of catalog changes ({@code catalog_counter}); the payload is empty. */
    static final String CATALOG_CHANNEL = "signet_catalog";

    private final String description;
    private final HikariDataSource pool;
    private final Consumer<ChangeFeed.Topic> changeCommitted;
    private final CommitListeners commits = new CommitListeners();
    /** Calls hold the read lock, close takes the write lock: close waits for in-flight calls. */
    private final ReentrantReadWriteLock closing = new ReentrantReadWriteLock();
    private volatile boolean closed;

    PostgresTransactions(String description, HikariDataSource pool, Consumer<ChangeFeed.Topic> changeCommitted) {
        this.description = description;
        this.pool = pool;
        this.changeCommitted = changeCommitted;
    }

    @Override
    public <T> T write(String what, Work<T> work) {
        return run(what, work, true, true);
    }

    /** A READ COMMITTED write transaction without the advisory lock; row locks still order it against other writers. */
    @Override
    public <T> T writeConcurrently(String what, Work<T> work) {
        return run(what, work, true, false);
    }

    @Override
    public <T> T read(String what, Work<T> work) {
        return run(what, work, false, false);
    }

    private <T> T run(String what, Work<T> work, boolean write, boolean serial) {
        closing.readLock().lock();
        try {
            if (closed) {
                throw new StoreException(description + ": " + what + ": the datastore is closed");
            }
            Jdbc.clearChanged();
            Connection c = connection(what);
            boolean done = false;
            boolean committing = false;
            boolean changed;
            boolean catalogChanged;
            dev.signet.server.store.EntryStore.Commit commit = null;
            T result;
            try {
                if (write && !serial) {
                    try (Statement s = c.createStatement()) {
                        s.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED; SET LOCAL lock_timeout = '"
                                + Dialect.WRITE_LOCK_TIMEOUT_SECONDS + "s'");
                    }
                } else {
                    Dialect.POSTGRES.begin(c, write);
                }
                result = work.run(c);
                changed = write && Jdbc.changed();
                catalogChanged = write && Jdbc.catalogChanged();
                if (!serial && (changed || catalogChanged)) {
                    throw new IllegalStateException(what + ": raised a change counter without the write lock");
                }
                if (changed) {
                    try (Statement s = c.createStatement()) {
                        s.execute("NOTIFY " + CHANNEL);
                    }
                }
                if (catalogChanged) {
                    try (Statement s = c.createStatement()) {
                        s.execute("NOTIFY " + CATALOG_CHANNEL);
                    }
                }
                if (changed) {
                    commit = Jdbc.pendingCommit(c);
                }
                committing = true;
                Dialect.POSTGRES.commit(c);
                done = true;
            } catch (SQLException e) {
                throw failure(what, e, committing);
            } finally {
                if (!done) {
                    rollbackQuietly(c);
                }
                closeQuietly(c);
                Jdbc.clearChanged();
            }
            if (changed) {
                commits.committed(commit);
                changeCommitted.accept(ChangeFeed.Topic.CHANGES);
            }
            if (catalogChanged) {
                changeCommitted.accept(ChangeFeed.Topic.CATALOG);
            }
            return result;
        } finally {
            closing.readLock().unlock();
        }
    }

    private Connection connection(String what) {
        try {
            return pool.getConnection();
        } catch (SQLException e) {
            throw failure(what, e, false);
        }
    }

    private StoreException failure(String what, SQLException e, boolean committing) {
        String message = PostgresDatastore.oneLine(e);
        if (Dialect.isUnavailable(e)) {
            return new StoreException.Unavailable(description + ": " + what + " failed, the database is unavailable"
                    + (committing ? " (during COMMIT: the change may or may not have been committed)" : "") + ": " + message, e);
        }
        if (Dialect.POSTGRES.isNotADatabase(e)) {
            return new StoreException(description + ": " + what + " failed: the Signet schema in the database is damaged"
                    + " or was changed outside Signet: " + message, e);
        }
        return new StoreException(description + ": " + what + " failed: " + message, e);
    }

    private static void rollbackQuietly(Connection c) {
        try {
            Dialect.POSTGRES.rollback(c);
        } catch (SQLException ignored) {
            // The original failure is what the caller needs; Hikari discards a broken connection.
        }
    }

    /** Returns the connection to the pool; a connection that cannot be returned cleanly is evicted by Hikari. */
    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // The unit of work is over either way.
        }
    }

    @Override
    public CommitListeners commits() {
        return commits;
    }

    @Override
    public void close() {
        closing.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            pool.close();
        } finally {
            closing.writeLock().unlock();
        }
    }
}
