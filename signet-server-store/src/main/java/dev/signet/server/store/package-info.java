/**
 * The datastore: every piece of server state that must survive a restart, behind small interfaces
 * ({@link dev.signet.server.store.EntryStore}, {@link dev.signet.server.store.AgentStore},
 * {@link dev.signet.server.store.JoinTokenStore}, {@link dev.signet.server.store.BundleStore},
 * {@link dev.signet.server.store.CatalogReportStore}, ...) grouped by
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
 *
 * <p><b>Catalog reports</b> ({@link dev.signet.server.store.CatalogReportStore}): each agent's last report of the
 * identities it serves, so that every server sharing the database serves the same catalog. Agents report every
 * 10 s and nearly always say the same thing, so the design keeps those writes from waking anyone:
 * {@code replace} returns whether the report's content (identities with their workload counts, address) differs
 * from the stored one, and only then — or when a report is deleted or expires — raises a <i>separate</i> catalog
 * counter and signals a separate feed ({@link dev.signet.server.store.CatalogReportStore#watch}; PostgreSQL
 * {@code NOTIFY signet_catalog}). An unchanged report only refreshes its time. Raising the shared change counter
 * instead would make every server reload its entries and recompute every connected agent's push on each catalog
 * change, and an unchanged report that raised anything would do so every 10 s per agent. On PostgreSQL the unchanged
 * refresh also skips the cross-server write lock (a conditional one-row UPDATE ordered by its row lock), so periodic
 * reports never queue behind other servers' writes.
 */
package dev.signet.server.store;
