package dev.signet.agent.config;

import dev.signet.agent.attestor.workload.unix.UnixAttestor;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.spiffeid.TrustDomain;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The agent's configuration: the {@code agent { ... }} block of an HCL file plus optional
 * {@code workload_attestor "<name>" { ... }} blocks and at most one {@code node_attestor "<name>" { ... }} block,
 * overridden by command-line flags. See docs/agent-config.md. The {@code unix} attestor's block is parsed here;
 * the other attestor blocks are kept raw and read by their attestor when the agent is built
 * ({@link dev.signet.agent.attestor.workload.WorkloadAttestors}, {@link dev.signet.agent.attestor.node.NodeAttestorClients}).
 *
 * @param serverAddress the configured server address(es) as given, several comma-separated; parsed by {@link #servers()}
 * @param serverPort the port of addresses that do not name one
 * @param trustBundlePath PEM file with the server's CA certificates, for the first connection
 * @param insecureBootstrap trust the server on first contact without a bundle (only its SPIFFE ID is checked)
 * @param httpPort the local HTTP API's port on 127.0.0.1 ({@code /v1/agent/connect/...}): null when not configured
 *     (then {@value #DEFAULT_HTTP_PORT}, and a port in use only logs a warning), 0 any free port, -1 disabled
 * @param cryptoProvider {@code crypto_provider}: whose TLS engine the agent's channels to the server use (Conscrypt
 *     or the JDK's), chosen once at start-up by {@link dev.signet.core.x509.SigningProvider#select}
 */
public record AgentConfig(
        TrustDomain trustDomain,
        String serverAddress,
        int serverPort,
        Path dataDir,
        String joinToken,
        Path trustBundlePath,
        boolean insecureBootstrap,
        Path socketPath,
        String logLevel,
        UnixAttestor.Config unixAttestor,
        Integer httpPort,
        Map<String, ConfigBlock> workloadAttestors,
        Map<String, ConfigBlock> nodeAttestors,
        dev.signet.core.x509.SigningProvider.Choice cryptoProvider) {

    public static final String DEFAULT_SOCKET = "/tmp/signet/agent.sock";
    /** Consul's agent HTTP port. */
    public static final int DEFAULT_HTTP_PORT = 8500;

    public static AgentConfig fromHcl(ConfigBlock root, Overrides o) {
        ConfigBlock a = root.block("agent");
        ConfigBlock attestors = root.block("workload_attestor");
        ConfigBlock nodeBlocks = root.block("node_attestor");
        root.rejectUnknownKeys();
        UnixAttestor.Config unix = UnixAttestor.Config.from(attestors.block("unix"));
        Map<String, ConfigBlock> workloadAttestors = new LinkedHashMap<>();
        for (String name : attestors.keys()) {
            if (!dev.signet.agent.attestor.workload.WorkloadAttestors.BUILT_IN.contains(name)) {
                throw attestors.invalid(name, "unknown workload attestor (built in: "
                        + dev.signet.agent.attestor.workload.WorkloadAttestors.BUILT_IN + ")");
            }
            if (!name.equals("unix")) {
                workloadAttestors.put(name, attestors.block(name));
            }
        }
        Map<String, ConfigBlock> nodeAttestors = new LinkedHashMap<>();
        for (String name : nodeBlocks.keys()) {
            if (!dev.signet.agent.attestor.node.NodeAttestorClients.BUILT_IN.contains(name) || name.equals("join_token")) {
                throw nodeBlocks.invalid(name, "unknown node attestor (built in: " + dev.signet.agent.attestor.node.NodeAttestorClients.BUILT_IN
                        + "; a join token is set with agent.join_token)");
            }
            nodeAttestors.put(name, nodeBlocks.block(name));
        }
        if (nodeAttestors.size() > 1) {
            throw new dev.signet.core.config.ConfigException("node_attestor: configure one node attestor, found "
                    + nodeAttestors.keySet());
        }

        String td = pick(o.trustDomain(), a.string("trust_domain", null));
        java.util.List<String> fileServers = a.stringList("server_address", null);
        String serverAddress = o.serverAddress() != null ? o.serverAddress()
                : fileServers == null ? null : String.join(",", fileServers);
        int filePort = a.integer("server_port", 8081);
        int serverPort = o.serverPort() != null ? o.serverPort() : filePort;
        String dataDir = pick(o.dataDir(), a.string("data_dir", "./.signet-agent"));
        String joinToken = pick(o.joinToken(), a.string("join_token", null));
        String bundle = pick(o.trustBundlePath(), a.string("trust_bundle_path", null));
        boolean fileInsecure = a.bool("insecure_bootstrap", false);
        boolean insecure = o.insecureBootstrap() != null ? o.insecureBootstrap() : fileInsecure;
        String socket = pick(o.socketPath(), a.string("socket_path", DEFAULT_SOCKET));
        String logLevel = pick(o.logLevel(), a.string("log_level", "info"));
        Integer httpPort = a.has("http_port") ? a.integer("http_port", DEFAULT_HTTP_PORT) : null;
        String cryptoProviderName = a.string("crypto_provider", "auto");
        a.rejectUnknownKeys();
        if (httpPort != null && (httpPort < -1 || httpPort > 65535)) {
            throw a.invalid("http_port", "must be -1 (disabled), 0 (any free port) or a port up to 65535, got " + httpPort);
        }

        if (td == null) {
            throw a.invalid("trust_domain", "is required (e.g. trust_domain = \"example.org\")");
        }
        TrustDomain trustDomain;
        try {
            trustDomain = new TrustDomain(td);
        } catch (IllegalArgumentException e) {
            throw a.invalid("trust_domain", e.getMessage());
        }
        if (serverAddress == null || serverAddress.isBlank()) {
            throw a.invalid("server_address", "is required (the server's host name or IP, host:port, or a list of them)");
        }
        if (serverPort < 1 || serverPort > 65535) {
            throw a.invalid("server_port", "must be between 1 and 65535, got " + serverPort);
        }
        try {
            dev.signet.agent.client.ServerAddress.parseAll(java.util.List.of(serverAddress), serverPort);
        } catch (IllegalArgumentException e) {
            throw o.serverAddress() != null
                    ? new dev.signet.core.config.ConfigException("--server-address: " + e.getMessage())
                    : a.invalid("server_address", e.getMessage());
        }
        if (bundle != null && insecure) {
            throw a.invalid("insecure_bootstrap", "cannot be combined with trust_bundle_path: choose one way to trust the server");
        }
        dev.signet.core.x509.SigningProvider.Choice cryptoProvider;
        try {
            cryptoProvider = dev.signet.core.x509.SigningProvider.Choice.parse(cryptoProviderName);
        } catch (IllegalArgumentException e) {
            throw a.invalid("crypto_provider", e.getMessage());
        }
        String level = logLevel.toLowerCase(Locale.ROOT);
        if (!level.matches("trace|debug|info|warn|error")) {
            throw a.invalid("log_level", "must be one of trace, debug, info, warn, error; got \"" + logLevel + "\"");
        }
        return new AgentConfig(trustDomain, serverAddress, serverPort, Path.of(dataDir), joinToken,
                bundle == null ? null : Path.of(bundle), insecure, Path.of(socket), level, unix, httpPort,
                Map.copyOf(workloadAttestors), Map.copyOf(nodeAttestors), cryptoProvider);
    }

    /**
     * The servers' agent-API addresses in the configured order ({@code server_address}: one address, a list, or a
     * comma-separated string; each {@code host} or {@code host:port}, the port defaulting to {@code server_port}).
     */
    public java.util.List<dev.signet.agent.client.ServerAddress> servers() {
        return dev.signet.agent.client.ServerAddress.parseAll(java.util.List.of(serverAddress), serverPort);
    }

    private static String pick(String flag, String file) {
        return flag != null ? flag : file;
    }

    /** Values from the command line; null means not given. */
    public record Overrides(String trustDomain, String serverAddress, Integer serverPort, String dataDir, String joinToken,
            String trustBundlePath, Boolean insecureBootstrap, String socketPath, String logLevel) {
        public static Overrides none() {
            return new Overrides(null, null, null, null, null, null, null, null, null);
        }
    }

    /** Redacts the join token. */
    @Override
    public String toString() {
        return "AgentConfig[trustDomain=" + trustDomain + ", servers=" + serverAddress + ", dataDir=" + dataDir
                + ", socket=" + socketPath + ", joinToken=" + (joinToken == null ? "none" : "(set)") + "]";
    }
}
