/**
 * The SQL datastore: one JDBC implementation ({@link dev.signet.server.store.sql.SqlDatastore}) for every
 * database, opened through a per-database factory ({@link dev.signet.server.store.sql.SqliteDatastore#open}).
 *
 * <p><b>Dialects.</b> The store classes use portable SQL only (plain INSERT/UPDATE/DELETE, no upserts or
 * {@code RETURNING}); instants are BIGINT microseconds since the epoch and TTLs whole seconds, so rows look
 * the same everywhere. What differs sits in the package-private {@code Dialect} (migration location, how a
 * transaction begins, reading unique-violation and not-a-database errors) and in the {@code Transactions}
 * implementation that owns the connections. Schemas are Flyway migrations under
 * {@code db/migration/<dialect>}; opening refuses a schema newer than the code.
 *
 * <p><b>Transactions.</b> Every interface method is one transaction. SQLite uses one writer and one reader
 * connection, each under its own lock: writes start with {@code BEGIN IMMEDIATE}, so the read-then-write
 * steps (duplicate checks, entry revisions, bundle sequences, consuming a join token) run serially even
 * against other processes sharing the file, waiting at most the busy timeout; reads see a WAL snapshot.
 * A PostgreSQL backend must give the same guarantee, e.g. SERIALIZABLE write transactions with a retry, or
 * {@code SELECT ... FOR UPDATE}; the unique {@code dedup_key} on entries and the DELETE-decides rule of
 * {@code consume} already hold under READ COMMITTED. Callers see {@link dev.signet.server.store.StoreException}
 * (with the SQL error as its cause), never JDBC types.
 *
 * <p><b>Change counter.</b> The one-row {@code change_counter} table is incremented inside every transaction
 * that creates, updates or deletes an entry or agent, so it commits or rolls back with the change and any
 * process reading it sees a new value exactly when there is something new to read.
 */
package dev.signet.server.store.sql;
