package dev.signet.agent;

import dev.signet.agent.attestor.node.NodeAttestorClients;
import dev.signet.agent.attestor.workload.WorkloadAttestors;
import dev.signet.agent.cache.IdentityCache;
import dev.signet.agent.client.ServerConnection;
import dev.signet.agent.config.AgentConfig;
import dev.signet.agent.endpoints.http.AgentHttpServer;
import dev.signet.agent.endpoints.workload.WorkloadEndpoint;
import dev.signet.agent.manager.AgentManager;
import dev.signet.agent.storage.AgentState;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.x509.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent process's composition root: persisted state → trust bootstrap → node attestation and sync
 * ({@link AgentManager}) → identity cache → Workload API on the Unix socket with the {@code unix} workload
 * attestor. Everything is wired here by hand; nothing is global.
 */
public final class Agent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Agent.class);

    private final AgentConfig config;
    private final ServerConnection connection;
    private final IdentityCache cache;
    private final AgentManager manager;
    private final WorkloadEndpoint endpoint;
    private final AgentHttpServer http;

    private Agent(AgentConfig config, Clock clock, Consumer<String> fatal) throws IOException {
        this.config = config;
        Files.createDirectories(config.dataDir());
        Files.setPosixFilePermissions(config.dataDir(), PosixFilePermissions.fromString("rwx------"));
        AgentState state = new AgentState(config.dataDir());
        List<X509Certificate> bundle = state.loadBundle().orElse(null);
        if (bundle == null && config.trustBundlePath() != null) {
            try {
                bundle = Pem.decodeCertificates(Files.readString(config.trustBundlePath()));
            } catch (IOException | IllegalArgumentException e) {
                throw new IOException("trust_bundle_path " + config.trustBundlePath() + ": " + e.getMessage(), e);
            }
        }
        SecureRandom random = new SecureRandom();
        // the TLS engine of the channels to the server and ValidateJWTSVID's EC verifier, chosen once here (crypto_provider)
        dev.signet.core.x509.SigningProvider crypto = dev.signet.core.x509.SigningProvider.select(config.cryptoProvider());
        log.info("crypto provider: {}", crypto.reason());
        this.cache = new IdentityCache(config.trustDomain(), random);
        AtomicReference<AgentManager> mgr = new AtomicReference<>();
        this.connection = new ServerConnection(new dev.signet.agent.client.ServerList(config.servers(), random), config.trustDomain(),
                () -> mgr.get().bundle(), clock, crypto);
        this.manager = new AgentManager(connection, state, cache, bundle == null ? List.of() : bundle, clock, random, fatal);
        mgr.set(manager);
        boolean ok = false;
        try {
            var workloadAttestors = WorkloadAttestors.create(config);
            manager.start(NodeAttestorClients.create(config), config.insecureBootstrap());
            this.endpoint = new WorkloadEndpoint(WorkloadEndpoint.Config.defaults(config.socketPath()), cache, workloadAttestors, crypto);
            endpoint.start();
            try {
                this.http = startHttp(config, clock);
            } catch (IOException e) {
                endpoint.close();
                throw e;
            }
            ok = true;
        } finally {
            if (!ok) {
                manager.close();
                cache.close();
                connection.close();
            }
        }
        log.info("agent {} started: Workload API on {}", manager.agentId(), config.socketPath());
    }

    /** The local HTTP API per {@code http_port}; null when disabled, or when the default port is taken. */
    private AgentHttpServer startHttp(AgentConfig config, Clock clock) throws IOException {
        Integer port = config.httpPort();
        if (port != null && port < 0) {
            return null;
        }
        int p = port == null ? AgentConfig.DEFAULT_HTTP_PORT : port;
        AgentHttpServer h;
        try {
            h = AgentHttpServer.start(p, config.trustDomain(), manager::bundle, manager::agentSvidTop, manager.intentions(),
                    manager.bundleIndex(), clock);
        } catch (IOException e) {
            if (port == null) {
                log.warn("agent HTTP API not started: cannot listen on 127.0.0.1:{} ({}); set http_port to another port,"
                        + " or -1 to disable it", p, e.getMessage());
                return null;
            }
            throw new IOException("http_port " + p + ": cannot listen on 127.0.0.1:" + p + ": " + e.getMessage(), e);
        }
        log.info("agent HTTP API listening on 127.0.0.1:{}", h.port());
        return h;
    }

    /** The local HTTP API's port, if it is running. */
    public java.util.OptionalInt httpPort() {
        return http == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(http.port());
    }

    /**
     * Starts an agent. {@code fatal} is called (once, from an agent thread) if the server revokes the agent's
     * authorization — the process should then stop.
     */
    public static Agent start(AgentConfig config, Clock clock, Consumer<String> fatal) throws IOException {
        return new Agent(config, clock, fatal);
    }

    public SpiffeId agentId() {
        return manager.agentId();
    }

    public AgentConfig config() {
        return config;
    }

    /** True once the agent has received its authorized entries from the server. */
    public boolean synced() {
        return manager.synced();
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
        endpoint.close();
        manager.close();
        cache.close();
        connection.close();
        log.info("agent stopped");
    }
}
