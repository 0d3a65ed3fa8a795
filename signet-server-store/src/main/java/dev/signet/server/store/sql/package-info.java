/**
 * The SQL datastore: one JDBC implementation ({@link dev.signet.server.store.sql.SqlDatastore}) for every
 * database, opened through a per-database factory ({@link dev.signet.server.store.sql.SqliteDatastore#open},
 * {@link dev.signet.server.store.sql.PostgresDatastore#open}, or {@link dev.signet.server.store.sql.Datastores#open}
 * by the configured type).
 *
 * <p><b>Dialects.</b> The store classes use portable SQL only (plain INSERT/UPDATE/DELETE, no upserts or
 * {@code RETURNING}); instants are BIGINT microseconds since the epoch and TTLs whole seconds, so rows look
 * the same everywhere. What differs sits in the package-private {@code Dialect} (migration location, how a
 * transaction begins, reading unique-violation and not-a-database errors) and in the {@code Transactions}
 * implementation that owns the connections. Schemas are Flyway migrations under
 * {@code db/migration/<dialect>} with the same version numbers in both dialects (a V6 lands in both); opening
 * refuses a schema newer than the code, and a database that holds tables but no Signet schema history.
 *
 * <p><b>Transactions.</b> Every interface method is one transaction, and write transactions are serial across every
 * process sharing the database, so the read-then-write steps (duplicate checks, entry revisions, bundle sequences)
 * behave as if run one after another. SQLite uses one writer and one reader connection, each under its own lock:
 * writes start with {@code BEGIN IMMEDIATE}, waiting at most the busy timeout for another process; reads see a WAL
 * snapshot. PostgreSQL uses a HikariCP pool of 10 connections; a write transaction runs at READ COMMITTED after
 * taking one transaction-scoped advisory lock ({@code pg_advisory_xact_lock}, waiting at most {@code lock_timeout}
 * = 10 s), the same single-writer rule as SQLite; reads run at REPEATABLE READ READ ONLY. SERIALIZABLE with retries
 * was not chosen: every write that matters updates the one {@code change_counter} row, so writes conflict anyway,
 * and a queue is simpler and safer than re-running units of work. Independently of the lock, the unique
 * {@code dedup_key} on entries and the DELETE-decides rule of {@code consume} hold under READ COMMITTED.
 * Callers see {@link dev.signet.server.store.StoreException} (with the SQL error as its cause), never JDBC types;
 * connection-level failures are {@link dev.signet.server.store.StoreException.Unavailable}.
 *
 * <p><b>Durability.</b> A call returns only after COMMIT returned. SQLite runs with {@code synchronous=FULL};
 * PostgreSQL sessions run with {@code synchronous_commit = on} (the default; if the database's default is
 * {@code off}, Signet's sessions set it back to {@code on}), so an acknowledged write is on disk, and on the
 * synchronous standbys if any are configured. A connection lost during COMMIT is reported as unavailable with the
 * outcome unknown, never as success.
 *
 * <p><b>Change counter and feed.</b> The one-row {@code change_counter} table is incremented inside every transaction
 * that creates, updates or deletes an entry, agent, service, intention, template or trust-bundle authority (not
 * join tokens), so it commits or rolls back with the change and any process reading it sees a new value exactly
 * when there is something new to read. {@link dev.signet.server.store.Datastore#watch} builds on it
 * ({@code ChangeFeed}): the committing process signals its watchers right after the commit; other processes learn
 * of it on SQLite by polling the counter every 250 ms ({@code CounterPoller}), on PostgreSQL through
 * {@code NOTIFY signet_changes}, sent inside every counter-raising transaction and so delivered exactly on commit,
 * to a dedicated {@code LISTEN} connection per store ({@code PostgresListener}) that reconnects with backoff,
 * signals once after each (re)connection, and re-reads the counter every 5 s as a safety net.
 *
 * <p><b>Catalog counter and feed.</b> Catalog reports ({@code SqlCatalogReportStore}) have their own one-row
 * {@code catalog_counter}, raised only by catalog changes (a report whose content differs, a deleted or expired
 * report), and their own feed topic ({@code ChangeFeed.Topic.CATALOG}): the same machinery, with
 * {@code NOTIFY signet_catalog} on PostgreSQL (the listener connection LISTENs to both channels) and the SQLite poller
 * reading both counters in one read. An unchanged periodic report only updates {@code reported_at}; on PostgreSQL it
 * does so in a {@link dev.signet.server.store.sql.Transactions#writeConcurrently} transaction, without the advisory
 * write lock, and falls back to a serial write only when its conditional UPDATE matches no row.
 */
package dev.signet.server.store.sql;
