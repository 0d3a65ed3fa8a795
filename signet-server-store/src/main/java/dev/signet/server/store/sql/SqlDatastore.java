package dev.signet.server.store.sql;

import dev.signet.server.store.AgentStore;
import dev.signet.server.store.BundleStore;
import dev.signet.server.store.CatalogReportStore;
import dev.signet.server.store.Datastore;
import dev.signet.server.store.EntryStore;
import dev.signet.server.store.IntentionStore;
import dev.signet.server.store.JoinTokenStore;
import dev.signet.server.store.ServiceStore;
import dev.signet.server.store.TemplateStore;
import java.time.Clock;

/**
 * The {@link Datastore} on a SQL database, the same code for every {@link Dialect}. Open one with
 * {@link SqliteDatastore#open} or {@link PostgresDatastore#open}; close it to release the database.
 */
public final class SqlDatastore implements Datastore {
    private final String description;
    private final Transactions tx;
    private final ChangeFeed feed;
    private final SqlEntryStore entries;
    private final SqlAgentStore agents;
    private final SqlJoinTokenStore joinTokens;
    private final SqlBundleStore bundles;
    private final SqlServiceStore services;
    private final SqlIntentionStore intentions;
    private final SqlTemplateStore templates;
    private final SqlCatalogReportStore catalogReports;

    SqlDatastore(String description, Dialect dialect, Transactions tx, ChangeFeed feed, Clock clock) {
        this.description = description;
        this.tx = tx;
        this.feed = feed;
        this.entries = new SqlEntryStore(tx, dialect, clock);
        this.agents = new SqlAgentStore(tx, dialect);
        this.joinTokens = new SqlJoinTokenStore(tx, dialect);
        this.bundles = new SqlBundleStore(tx);
        this.services = new SqlServiceStore(tx, entries, clock);
        this.intentions = new SqlIntentionStore(tx, dialect, clock);
        this.templates = new SqlTemplateStore(tx, clock);
        this.catalogReports = new SqlCatalogReportStore(tx, dialect, feed);
    }

    @Override
    public EntryStore entries() {
        return entries;
    }

    @Override
    public AgentStore agents() {
        return agents;
    }

    @Override
    public JoinTokenStore joinTokens() {
        return joinTokens;
    }

    @Override
    public BundleStore bundles() {
        return bundles;
    }

    @Override
    public ServiceStore services() {
        return services;
    }

    @Override
    public IntentionStore intentions() {
        return intentions;
    }

    @Override
    public TemplateStore templates() {
        return templates;
    }

    @Override
    public CatalogReportStore catalogReports() {
        return catalogReports;
    }

    @Override
    public AutoCloseable watch(Runnable listener) {
        return feed.watch(listener);
    }

    /** Stops change calls, waits for in-flight calls, then releases the connections; later calls fail. Idempotent. */
    @Override
    public void close() {
        feed.close();
        tx.close();
    }

    /** Which database this is, e.g. {@code SQLite datastore /var/lib/signet/datastore.sqlite3}. */
    @Override
    public String toString() {
        return description;
    }
}
