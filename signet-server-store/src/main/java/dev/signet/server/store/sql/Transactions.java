package dev.signet.server.store.sql;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Runs units of work as transactions. The SQLite implementation is {@link SqliteTransactions}; a pooled
 * implementation for PostgreSQL can sit behind the same two methods.
 */
interface Transactions extends AutoCloseable {

    /** One unit of work on a connection inside an open transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} in a transaction that may write, commits it, and returns its result. On any
     * exception the transaction is rolled back; a {@link SQLException} is rethrown as a
     * {@link dev.signet.server.store.StoreException} whose message starts with {@code what}.
     */
    <T> T write(String what, Work<T> work);

    /**
     * Like {@link #write} for work whose correctness rests on row locks alone (e.g. one conditional single-row
     * UPDATE): on PostgreSQL it does not take the cross-server write lock, so it never queues behind other servers'
     * write transactions, only behind one touching the same rows; on SQLite, which has one writer anyway, it is
     * {@link #write}. The work must not raise a change counter.
     */
    <T> T writeConcurrently(String what, Work<T> work);

    /** Like {@link #write} for work that only reads; it sees one consistent snapshot. */
    <T> T read(String what, Work<T> work);

    /** The listeners told of each committed transaction that raised the change counter. */
    CommitListeners commits();

    /** Releases the connections after in-flight work finishes; later calls fail. Idempotent. */
    @Override
    void close();
}
