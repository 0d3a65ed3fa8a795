package dev.signet.server.store.sql;

import dev.signet.server.store.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * SQLite connection handling: one writer connection and one reader connection, each used by one thread at
 * a time under its own lock. SQLite allows one writer per database anyway, so a writer pool would only
 * queue on the database lock instead of on ours; in WAL mode the reader works on a committed snapshot
 * while a write is in progress. Other processes sharing the file are serialised by SQLite's own locks,
 * with the connection's busy timeout as the wait limit.
 */
final class SqliteTransactions implements Transactions {
    private final String description;
    private final Connection writer;
    private final Connection reader;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ReentrantLock readLock = new ReentrantLock();
    private final Consumer<ChangeFeed.Topic> changeCommitted;
    private final CommitListeners commits = new CommitListeners();
    private volatile boolean closed;

    /**
     * Takes ownership of both connections; both must be in auto-commit mode. {@code changeCommitted} is called after
     * each committed write that raised the change counter (with {@link ChangeFeed.Topic#CHANGES}) or the catalog
     * counter ({@link ChangeFeed.Topic#CATALOG}).
     */
    SqliteTransactions(String description, Connection writer, Connection reader, Consumer<ChangeFeed.Topic> changeCommitted) {
        this.description = description;
        this.writer = writer;
        this.reader = reader;
        this.changeCommitted = changeCommitted;
    }

    @Override
    public <T> T write(String what, Work<T> work) {
        Jdbc.clearChanged();
        boolean committed = false;
        dev.signet.server.store.EntryStore.Commit[] commit = new dev.signet.server.store.EntryStore.Commit[1];
        try {
            T result = run(what, work, writer, writeLock, commit);
            committed = true;
            return result;
        } finally {
            boolean changed = Jdbc.changed();
            boolean catalogChanged = Jdbc.catalogChanged();
            Jdbc.clearChanged();
            if (committed && changed) {
                commits.committed(commit[0]);
                changeCommitted.accept(ChangeFeed.Topic.CHANGES);
            }
            if (committed && catalogChanged) {
                changeCommitted.accept(ChangeFeed.Topic.CATALOG);
            }
        }
    }

    /** SQLite has one writer: the same as {@link #write}. */
    @Override
    public <T> T writeConcurrently(String what, Work<T> work) {
        return write(what, work);
    }

    @Override
    public <T> T read(String what, Work<T> work) {
        return run(what, work, reader, readLock, null);
    }

    /** Runs one transaction; a write passes {@code commitOut}, which receives what it committed (see {@link Jdbc#pendingCommit}). */
    private <T> T run(String what, Work<T> work, Connection c, ReentrantLock lock,
            dev.signet.server.store.EntryStore.Commit[] commitOut) {
        boolean write = commitOut != null;
        lock.lock();
        try {
            if (closed) {
                throw new StoreException(description + ": " + what + ": the datastore is closed");
            }
            try {
                Dialect.SQLITE.begin(c, write);
            } catch (SQLException e) {
                throw failure(what, e);
            }
            boolean done = false;
            try {
                T result = work.run(c);
                dev.signet.server.store.EntryStore.Commit commit = write ? Jdbc.pendingCommit(c) : null;
                Dialect.SQLITE.commit(c);
                if (write) {
                    commitOut[0] = commit;
                }
                done = true;
                return result;
            } catch (SQLException e) {
                throw failure(what, e);
            } finally {
                if (!done) {
                    rollbackQuietly(c);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private StoreException failure(String what, SQLException e) {
        return new StoreException(description + ": " + what + " failed: " + e.getMessage(), e);
    }

    private static void rollbackQuietly(Connection c) {
        try {
            Dialect.SQLITE.rollback(c);
        } catch (SQLException ignored) {
            // The original failure is what the caller needs; a connection that cannot roll back will
            // report its state on the next call.
        }
    }

    @Override
    public CommitListeners commits() {
        return commits;
    }

    @Override
    public void close() {
        writeLock.lock();
        readLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            StoreException failure = null;
            for (Connection c : new Connection[] {reader, writer}) {
                try {
                    c.close();
                } catch (SQLException e) {
                    if (failure == null) {
                        failure = new StoreException(description + ": closing failed: " + e.getMessage(), e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            readLock.unlock();
            writeLock.unlock();
        }
    }
}
