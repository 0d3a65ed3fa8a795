package dev.signet.server.store;

/** All persistent server state. Implementations are thread-safe; each method is one transaction. */
public interface Datastore extends AutoCloseable {
    EntryStore entries();

    AgentStore agents();

    JoinTokenStore joinTokens();

    BundleStore bundles();

    ServiceStore services();

    IntentionStore intentions();

    TemplateStore templates();

    /** The catalog's live state (agents' reports); its changes have their own counter and {@link CatalogReportStore#watch}. */
    CatalogReportStore catalogReports();

    /**
     * Calls {@code listener} soon after any change is committed — by this server or another sharing the database — to
     * entries, agents, services, intentions, templates, join tokens are NOT included, the trust bundle (X.509 and JWT authorities) IS included.
     * Catalog reports are not included either: they have their own feed, {@link CatalogReportStore#watch}.
     * Calls are coalesced and never concurrent for one listener; the listener then re-reads what it needs.
     * Closing the returned handle stops the calls.
     *
     * <p>Details every backend keeps: calls run on a daemon thread of the datastore, never on the caller's; a change
     * committed through this instance is signalled as soon as its transaction commits; another process's change is
     * noticed within about a second (SQLite polls the change counter every 250 ms; PostgreSQL delivers
     * {@code NOTIFY signet_changes} at once). When the backend may have missed changes (PostgreSQL's notification
     * connection was re-established) the listener is called once, so it may be called without a change, never
     * the other way round. A listener that throws is logged and called again on the next change. Closing the handle
     * is idempotent; a call already running finishes. Closing the datastore stops all calls.
     */
    AutoCloseable watch(Runnable listener);

    @Override
    void close();
}
