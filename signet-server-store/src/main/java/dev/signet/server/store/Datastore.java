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

    @Override
    void close();
}
