/**
 * The datastore: every piece of server state that must survive a restart, behind small interfaces
 * ({@link dev.signet.server.store.EntryStore}, {@link dev.signet.server.store.AgentStore},
 * {@link dev.signet.server.store.JoinTokenStore}, {@link dev.signet.server.store.BundleStore}) grouped by
 * {@link dev.signet.server.store.Datastore}.
 *
 * <p>Backends: {@code sqlite} (embedded, the default; WAL journal with synchronous=FULL so a committed
 * write survives a crash) and {@code postgres} for several servers sharing one database (pooled, with
 * {@code synchronous_commit = on}). Schemas are versioned
 * Flyway migrations per dialect under {@code db/migration/<dialect>}. Every backend must pass the one
 * contract suite ({@code DatastoreContract} in the tests); callers never see SQL or JDBC types.
 *
 * <p>Cross-server change detection is built in: {@link dev.signet.server.store.EntryStore#changeCounter()}
 * rises on every entry, agent, service, intention, template or trust-bundle change committed by any server, and
 * {@link dev.signet.server.store.Datastore#watch} calls a listener soon after each such commit (SQLite: local
 * commits at once, other processes' within 250 ms; PostgreSQL: LISTEN/NOTIFY). The {@code PostgresTestDatabase}
 * fixture in the test-jar gives tests a fresh database on a real PostgreSQL server.
 */
package dev.signet.server.store;
