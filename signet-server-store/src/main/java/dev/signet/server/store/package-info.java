/**
 * The datastore: every piece of server state that must survive a restart, behind small interfaces
 * ({@link dev.signet.server.store.EntryStore}, {@link dev.signet.server.store.AgentStore},
 * {@link dev.signet.server.store.JoinTokenStore}, {@link dev.signet.server.store.BundleStore}) grouped by
 * {@link dev.signet.server.store.Datastore}.
 *
 * <p>Backends: {@code sqlite} (embedded, the default; WAL journal with synchronous=FULL so a committed
 * write survives a crash) and, in a later issue, PostgreSQL for several servers. Schemas are versioned
 * Flyway migrations per dialect under {@code db/migration/<dialect>}. Every backend must pass the one
 * contract suite ({@code DatastoreContract} in the tests); callers never see SQL or JDBC types.
 *
 * <p>Cross-server change detection is built in: {@link dev.signet.server.store.EntryStore#changeCounter()}
 * rises on every entry or agent change committed by any server, so a server can notice another's writes
 * by polling one number.
 */
package dev.signet.server.store;
