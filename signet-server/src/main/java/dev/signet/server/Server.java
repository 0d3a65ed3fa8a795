package dev.signet.server;

import dev.signet.core.registration.Entry;
import dev.signet.server.api.UnixSocketServers;
import dev.signet.server.api.admin.AdminApiService;
import dev.signet.server.api.agent.AgentApiService;
import dev.signet.server.api.agent.AgentAuthenticator;
import dev.signet.server.api.agent.AgentRecordCache;
import dev.signet.server.api.agent.ServerTls;
import dev.signet.server.api.agent.SyncHub;
import dev.signet.server.api.intention.IntentionApiService;
import dev.signet.server.attestation.NodeAttestors;
import dev.signet.server.authorization.EntryCache;
import dev.signet.server.api.agent.RateLimiter;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.ca.JwtKeyManager;
import dev.signet.server.oidc.OidcDiscoveryServer;
import dev.signet.server.registration.EntryValidator;
import dev.signet.server.config.ServerConfig;
import dev.signet.server.identity.ServerIdentity;
import dev.signet.server.store.Datastore;
import dev.signet.server.store.JoinToken;
import dev.signet.server.store.sql.SqliteDatastore;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server process's composition root: datastore → CA and JWT keys → entry cache → agent API (TCP, TLS),
 * admin API (Unix socket, 0770) and, if configured, OIDC discovery (HTTPS) → the store's change feed (other
 * servers' writes: entry reload, bundle cache, pushes to agents, HTTP index) → periodic tasks (CA and JWT key
 * rotation, server SVID renewal, token pruning, a slow change safety poll).
 * Everything is wired here by hand; nothing is global.
 */
public final class Server implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Server.class);
    /** Largest admin/agent API request accepted. */
    private static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    private final ServerConfig config;
    private final Clock clock;
    private final Datastore store;
    private final CertificateAuthority ca;
    private final JwtKeyManager jwtKeys;
    private final EntryCache entries;
    private final SyncHub hub;
    private final io.grpc.Server agentApi;
    private final EventLoopGroup agentApiGroup;
    private final UnixSocketServers.Handle adminApi;
    private final OidcDiscoveryServer oidc;
    private final ScheduledExecutorService scheduler;
    private final dev.signet.server.catalog.CatalogState catalogState;
    private final dev.signet.core.consul.BlockingIndex httpIndex = new dev.signet.core.consul.BlockingIndex();
    private final dev.signet.server.catalog.CatalogHttpServer catalogHttp;
    /** How often the change counter is checked in case a change-feed reaction failed. */
    private static final Duration SAFETY_POLL = Duration.ofSeconds(30);
    private AutoCloseable changeFeed;
    /** The change counter as of the last complete reaction to a change. */
    private volatile long handledCounter = Long.MIN_VALUE;
    /** Change-feed throttling, see {@link #onStoreChange()}. */
    private volatile long quietUntilNanos = System.nanoTime();
    private final java.util.concurrent.atomic.AtomicBoolean reactionPending = new java.util.concurrent.atomic.AtomicBoolean();

    private Server(ServerConfig config, Clock clock) throws IOException {
        this.config = config;
        this.clock = clock;
        Files.createDirectories(config.dataDir());
        Files.setPosixFilePermissions(config.dataDir(), PosixFilePermissions.fromString("rwx------"));
        // sqlite (data_dir/datastore.sqlite3) or postgres (connection_string); an unreachable or foreign store throws a
        // StoreException whose one-line message names it, and the server does not start.
        this.store = dev.signet.server.store.sql.Datastores.open(config.datastore().type(), config.datastore().connectionString(),
                config.dataDir(), clock);
        boolean ok = false;
        EventLoopGroup group = null;
        UnixSocketServers.Handle admin = null;
        io.grpc.Server agentServer = null;
        OidcDiscoveryServer oidcServer = null;
        dev.signet.server.catalog.CatalogHttpServer httpServer = null;
        try {
            // node attestor configuration errors (missing CA files, bad cluster blocks) stop the server before it makes keys
            List<dev.signet.server.attestation.NodeAttestor> nodeAttestors = NodeAttestors.create(config, store.joinTokens(), clock);
            // the provider of CSR checks, X.509 and JWT signatures and CA/JWT key generation, chosen once here
            dev.signet.core.x509.SigningProvider crypto = dev.signet.core.x509.SigningProvider.select(config.cryptoProvider());
            log.info("crypto provider: {}", crypto.reason());
            this.ca = new CertificateAuthority(config.trustDomain(), config.dataDir().resolve("ca"), config.caKeyType(),
                    config.caTtl(), store.bundles(), clock, crypto);
            ca.initialize();
            // Keys stay published a day past expiry: tokens never outlive their key, so this only covers
            // validators' clock skew, and matches SPIRE pruning bundle entries a day after they expire.
            Duration keptAfterExpiry = EntryValidator.MAX_JWT_TTL.compareTo(config.defaultJwtSvidTtl()) >= 0
                    ? EntryValidator.MAX_JWT_TTL : config.defaultJwtSvidTtl();
            this.jwtKeys = new JwtKeyManager(config.trustDomain(), config.dataDir().resolve("jwt"), config.jwtSigningAlgorithm(),
                    config.caTtl(), keptAfterExpiry, config.jwtIssuer(), store.bundles(), clock, crypto);
            jwtKeys.initialize();
            ServerIdentity identity = new ServerIdentity(ca, config.defaultX509SvidTtl(), List.of("localhost"), clock);
            this.entries = new EntryCache(store.entries());
            // agent records for per-call authentication: this server's writes go through (or invalidate) it at once,
            // other servers' arrive through the change feed; no cached record is trusted past its bound (1 s)
            AgentRecordCache agentRecords = new AgentRecordCache(store.agents(), clock);
            store.watch(agentRecords::invalidateAll); // stopped when the datastore closes
            this.hub = new SyncHub(entries, store.agents(), ca, store.intentions(), config.defaultIntentionPolicy(),
                    store.templates());
            // the hub follows the entry cache's changes itself (EntryCache.Change), pushing only to the agents concerned
            ca.onBundleChange(hub::changed);
            jwtKeys.onBundleChange(ca::invalidateBundle); // before the push reads it
            jwtKeys.onBundleChange(hub::changed);
            // catalog state and the HTTP API's blocking-query index: entries, bundle and catalog-state changes raise it
            // catalog reports live in the datastore: every server sharing it serves the same catalog
            this.catalogState = new dev.signet.server.catalog.CatalogState(store.catalogReports(), clock);
            entries.onChange(httpIndex::bump);
            ca.onBundleChange(httpIndex::bump);
            catalogState.onChange(httpIndex::bump);
            dev.signet.server.catalog.CatalogView catalogView = new dev.signet.server.catalog.CatalogView(store.services(),
                    store.agents(), catalogState);
            entries.reload();
            catalogState.start(); // loads the reports, then follows other servers' catalog changes

            AgentApiService agentService = new AgentApiService(
                    nodeAttestors,
                    agentRecords, ca, entries, hub, config.agentTtl(), config.defaultX509SvidTtl(), jwtKeys,
                    config.defaultJwtSvidTtl(), new RateLimiter<>(config.jwtSvidRateLimit(), config.jwtSvidRateLimit(), clock), clock);
            ServerTls.Engine tlsEngine = ServerTls.Engine.select(config.cryptoProvider());
            log.info("agent API TLS: {}", tlsEngine.reason());
            group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
            agentServer = NettyServerBuilder.forAddress(new InetSocketAddress(config.bindAddress(), config.bindPort()))
                    .channelType(EpollServerSocketChannel.class)
                    .bossEventLoopGroup(group)
                    .workerEventLoopGroup(group)
                    .sslContext(ServerTls.serverContext(identity, ca, clock, tlsEngine))
                    .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                    .permitKeepAliveTime(10, TimeUnit.SECONDS)
                    .addService(ServerInterceptors.intercept(
                            new dev.signet.server.catalog.ReportActiveHandler(entries, catalogState).install(agentService.bindService()), new AgentAuthenticator(config.trustDomain(), agentRecords, clock)))
                    .build();
            try {
                agentServer.start();
            } catch (IOException e) {
                throw new IOException("cannot listen on " + config.bindAddress() + ":" + config.bindPort() + ": " + e.getMessage(), e);
            }
            this.agentApi = agentServer;
            this.agentApiGroup = group;

            AdminApiService adminService = new AdminApiService(config.trustDomain(), store, entries, ca, () -> {
                agentRecords.invalidateAll(); // a ban or eviction denies the agent's very next call
                hub.changed();
                // an evicted or banned agent no longer serves anything
                catalogState.retain(id -> store.agents().get(id).map(a -> !a.banned()).orElse(false));
            }, clock);
            IntentionApiService intentionService = new IntentionApiService(config.trustDomain(), store.intentions(),
                    config.defaultIntentionPolicy(), hub::changed);
            admin = UnixSocketServers.start(config.socketPath(), "rwxrwx---", MAX_MESSAGE_BYTES, adminService, intentionService,
                    new dev.signet.server.api.catalog.CatalogApiService(config.trustDomain(), store, entries),
                    new dev.signet.server.catalog.CatalogStateApiService(catalogView),
                    new dev.signet.server.api.template.TemplateApiService(config.trustDomain(), store.templates(), hub::changed));
            this.adminApi = admin;

            if (config.oidcDiscovery() != null) {
                ServerConfig.OidcDiscovery oc = config.oidcDiscovery();
                ServerIdentity oidcIdentity = oc.tlsCertFile() == null
                        ? new ServerIdentity(ca, config.defaultX509SvidTtl(), List.of(oc.domain()), clock) : null;
                oidcServer = OidcDiscoveryServer.start(oc, config.trustDomain(), store.bundles(), config.jwtSigningAlgorithm(),
                        config.jwtIssuer(), oidcIdentity);
                if (config.jwtIssuer() == null) {
                    log.warn("OIDC discovery is on but server.jwt_issuer is not set: JWT-SVIDs carry no iss claim, which OIDC"
                            + " relying parties require; set jwt_issuer = \"{}\"", oidcServer.issuer());
                }
            }
            this.oidc = oidcServer;
            if (config.http() != null) {
                try {
                    httpServer = dev.signet.server.catalog.CatalogHttpServer.start(config.http().bindAddress(), config.http().bindPort(),
                            config.trustDomain(), catalogView, httpIndex, () -> ca.bundle().x509Authorities(),
                            () -> ca.current().certificate(), clock);
                } catch (IOException e) {
                    throw new IOException("cannot listen on " + config.http().bindAddress() + ":" + config.http().bindPort()
                            + " (http): " + e.getMessage(), e);
                }
            }
            this.catalogHttp = httpServer;
            OidcDiscoveryServer oidcTask = oidcServer;

            this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "signet-server-tasks");
                t.setDaemon(true);
                return t;
            });
            // Change propagation: every change committed by this or another server sharing the store (entries,
            // agents, services, intentions, templates, the bundle) arrives through the store's change feed.
            this.changeFeed = store.watch(this::onStoreChange);
            // The feed misses nothing, but a reaction that failed (the store unreachable at that moment) is only
            // retried on the next change; this slow poll bounds how long such a miss can last.
            scheduler.scheduleWithFixedDelay(() -> task("change safety poll", () -> {
                if (store.entries().changeCounter() != handledCounter) {
                    storeChanged();
                }
            }), SAFETY_POLL.toSeconds(), SAFETY_POLL.toSeconds(), TimeUnit.SECONDS);
            scheduler.scheduleWithFixedDelay(() -> task("catalog state expiry", catalogState::expire), 1, 1, TimeUnit.SECONDS);
            scheduler.scheduleWithFixedDelay(() -> task("CA rotation", () -> {
                try {
                    ca.rotateIfDue();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                identity.renewIfDue();
                store.joinTokens().pruneExpired(clock.instant());
            }), 5, 5, TimeUnit.SECONDS);
            scheduler.scheduleWithFixedDelay(() -> task("JWT key rotation", () -> {
                try {
                    jwtKeys.rotateIfDue();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                if (oidcTask != null) {
                    oidcTask.renewIfDue();
                }
            }), 5, 5, TimeUnit.SECONDS);
            ok = true;
        } finally {
            if (!ok) {
                if (httpServer != null) {
                    httpServer.close();
                }
                if (oidcServer != null) {
                    oidcServer.close();
                }
                if (admin != null) {
                    admin.close();
                }
                if (agentServer != null) {
                    agentServer.shutdownNow();
                }
                if (group != null) {
                    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                }
                store.close();
            }
        }
        log.info("server started: trust domain {}, agent API on {}:{}, admin socket {}", config.trustDomain(),
                config.bindAddress(), agentApiPort(), config.socketPath());
    }

    /** Starts a server; on failure everything started so far is stopped again. */
    public static Server start(ServerConfig config, Clock clock) throws IOException {
        return new Server(config, clock);
    }

    /**
     * Called by the store's change feed (on its thread, never concurrently). The first change is handled at once;
     * after a reaction that took {@code t}, the next waits until {@code t} has passed again (changes meanwhile
     * collapse into one reaction), so a big entry table under constant churn (agents renewing) costs at most half
     * a core instead of back-to-back reloads. A failed reaction is retried a few seconds later.
     */
    private void onStoreChange() {
        long wait = quietUntilNanos - System.nanoTime();
        if (wait <= 0) {
            react();
            return;
        }
        if (reactionPending.compareAndSet(false, true)) {
            try {
                scheduler.schedule(() -> {
                    reactionPending.set(false);
                    react();
                }, wait, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                reactionPending.set(false); // shutting down
            }
        }
    }

    private void react() {
        long start = System.nanoTime();
        try {
            storeChanged();
        } catch (RuntimeException e) {
            log.warn("reacting to a datastore change failed ({}); retrying in 2s", e.toString());
            try {
                scheduler.schedule(() -> task("change retry", this::storeChanged), 2, TimeUnit.SECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // shutting down
            }
        } finally {
            long end = System.nanoTime();
            quietUntilNanos = end + (end - start);
        }
    }

    /**
     * Something in the store may have changed: drop the cached bundle, reload the entry snapshot if the counter
     * moved, push to this server's agents what differs for them, and wake the HTTP API's blocking queries.
     */
    private void storeChanged() {
        long c = store.entries().changeCounter();
        ca.invalidateBundle();
        // This server's own commits reached the entry cache (and through it the hub) as they committed; a reload
        // happens only when something else moved the counter, and tells the hub and the HTTP index itself.
        if (!entries.reloadIfChanged()) {
            httpIndex.bump();
        }
        handledCounter = c;
    }

    private static void task(String name, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.warn("{} failed: {}", name, e.toString());
        }
    }

    /** The agent API's TCP port (useful when configured as 0). */
    public int agentApiPort() {
        return ((InetSocketAddress) agentApi.getListenSockets().get(0)).getPort();
    }

    public ServerConfig config() {
        return config;
    }

    public CertificateAuthority ca() {
        return ca;
    }

    /** The JWT-SVID signing keys. */
    public JwtKeyManager jwtKeys() {
        return jwtKeys;
    }

    /** The HTTP API's port, if {@code http} is configured (useful when configured as 0). */
    public java.util.OptionalInt httpPort() {
        return catalogHttp == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(catalogHttp.port());
    }

    /** The OIDC discovery listener, if {@code oidc_discovery} is configured. */
    public java.util.Optional<OidcDiscoveryServer> oidcDiscovery() {
        return java.util.Optional.ofNullable(oidc);
    }

    /** Creates a join token directly (dev mode); the admin API is the way for everyone else. */
    public String createJoinToken(Duration ttl, Map<String, String> labels) {
        String token = UUID.randomUUID().toString();
        SortedMap<String, String> l = new TreeMap<>(labels);
        store.joinTokens().create(new JoinToken(token, clock.instant().plus(ttl), l));
        return token;
    }

    /** Creates an entry directly (dev mode), validated like the admin API does. */
    public Entry createEntry(Entry e) {
        new EntryValidator(config.trustDomain()).validate(e);
        Entry stored = store.entries().create(e);
        entries.written(stored.id(), stored);
        return stored;
    }

    @Override
    public void close() {
        if (changeFeed != null) {
            try {
                changeFeed.close();
            } catch (Exception e) {
                log.debug("closing the change feed: {}", e.toString());
            }
        }
        scheduler.shutdownNow();
        catalogState.close();
        if (catalogHttp != null) {
            catalogHttp.close();
        }
        if (oidc != null) {
            oidc.close();
        }
        adminApi.close();
        hub.close();
        agentApi.shutdownNow();
        try {
            agentApi.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        agentApiGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        store.close();
        log.info("server stopped");
    }
}
