package dev.signet.server.config;

import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import dev.signet.core.intention.Action;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.SigningProvider;
import dev.signet.server.ca.JwtAlgorithm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The server's configuration, from the {@code server { ... }} block of an HCL file, then overridden by
 * command-line flags. See docs/server-config.md for every key.
 */
public record ServerConfig(
        TrustDomain trustDomain,
        Path dataDir,
        String bindAddress,
        int bindPort,
        Path socketPath,
        Crypto.KeyType caKeyType,
        Duration caTtl,
        Duration defaultX509SvidTtl,
        Duration defaultJwtSvidTtl,
        Duration agentTtl,
        String logLevel,
        JwtAlgorithm jwtSigningAlgorithm,
        String jwtIssuer,
        int jwtSvidRateLimit,
        OidcDiscovery oidcDiscovery,
        Action defaultIntentionPolicy,
        Http http,
        DatastoreSettings datastore,
        Map<String, ConfigBlock> nodeAttestors,
        SigningProvider.Choice cryptoProvider) {

    /** A configuration with {@code crypto_provider = "auto"}. */
    public ServerConfig(TrustDomain trustDomain, Path dataDir, String bindAddress, int bindPort, Path socketPath,
            Crypto.KeyType caKeyType, Duration caTtl, Duration defaultX509SvidTtl, Duration defaultJwtSvidTtl, Duration agentTtl,
            String logLevel, JwtAlgorithm jwtSigningAlgorithm, String jwtIssuer, int jwtSvidRateLimit, OidcDiscovery oidcDiscovery,
            Action defaultIntentionPolicy, Http http, DatastoreSettings datastore, Map<String, ConfigBlock> nodeAttestors) {
        this(trustDomain, dataDir, bindAddress, bindPort, socketPath, caKeyType, caTtl, defaultX509SvidTtl, defaultJwtSvidTtl,
                agentTtl, logLevel, jwtSigningAlgorithm, jwtIssuer, jwtSvidRateLimit, oidcDiscovery, defaultIntentionPolicy, http,
                datastore, nodeAttestors, SigningProvider.Choice.AUTO);
    }

    /** This configuration with another {@code crypto_provider} (tests). */
    public ServerConfig withCryptoProvider(SigningProvider.Choice choice) {
        return new ServerConfig(trustDomain, dataDir, bindAddress, bindPort, socketPath, caKeyType, caTtl, defaultX509SvidTtl,
                defaultJwtSvidTtl, agentTtl, logLevel, jwtSigningAlgorithm, jwtIssuer, jwtSvidRateLimit, oidcDiscovery,
                defaultIntentionPolicy, http, datastore, nodeAttestors, choice);
    }

    public static final String DEFAULT_SOCKET = "/tmp/signet/server.sock";
    /** NewJWTSVID calls per second per agent (burst the same) when {@code jwt_svid_rate_limit} is not set: SPIRE's signing limit. */
    public static final int DEFAULT_JWT_SVID_RATE_LIMIT = 500;

    /** A configuration with the JWT defaults: ES256, no {@code iss}, 500 JWT-SVIDs/s per agent, no OIDC discovery. */
    public ServerConfig(TrustDomain trustDomain, Path dataDir, String bindAddress, int bindPort, Path socketPath,
            Crypto.KeyType caKeyType, Duration caTtl, Duration defaultX509SvidTtl, Duration defaultJwtSvidTtl, Duration agentTtl,
            String logLevel) {
        this(trustDomain, dataDir, bindAddress, bindPort, socketPath, caKeyType, caTtl, defaultX509SvidTtl, defaultJwtSvidTtl,
                agentTtl, logLevel, JwtAlgorithm.ES256, null, DEFAULT_JWT_SVID_RATE_LIMIT, null);
    }

    /** A configuration with the default intention policy ({@code deny}). */
    public ServerConfig(TrustDomain trustDomain, Path dataDir, String bindAddress, int bindPort, Path socketPath,
            Crypto.KeyType caKeyType, Duration caTtl, Duration defaultX509SvidTtl, Duration defaultJwtSvidTtl, Duration agentTtl,
            String logLevel, JwtAlgorithm jwtSigningAlgorithm, String jwtIssuer, int jwtSvidRateLimit, OidcDiscovery oidcDiscovery) {
        this(trustDomain, dataDir, bindAddress, bindPort, socketPath, caKeyType, caTtl, defaultX509SvidTtl, defaultJwtSvidTtl,
                agentTtl, logLevel, jwtSigningAlgorithm, jwtIssuer, jwtSvidRateLimit, oidcDiscovery, Action.DENY);
    }

    /** A configuration without the HTTP API. */
    public ServerConfig(TrustDomain trustDomain, Path dataDir, String bindAddress, int bindPort, Path socketPath,
            Crypto.KeyType caKeyType, Duration caTtl, Duration defaultX509SvidTtl, Duration defaultJwtSvidTtl, Duration agentTtl,
            String logLevel, JwtAlgorithm jwtSigningAlgorithm, String jwtIssuer, int jwtSvidRateLimit, OidcDiscovery oidcDiscovery,
            Action defaultIntentionPolicy) {
        this(trustDomain, dataDir, bindAddress, bindPort, socketPath, caKeyType, caTtl, defaultX509SvidTtl, defaultJwtSvidTtl,
                agentTtl, logLevel, jwtSigningAlgorithm, jwtIssuer, jwtSvidRateLimit, oidcDiscovery, defaultIntentionPolicy, null,
                DatastoreSettings.SQLITE, Map.of());
    }

    /** This configuration with the HTTP API on (or off, with null) (tests, dev mode). */
    public ServerConfig withHttp(Http http) {
        return new ServerConfig(trustDomain, dataDir, bindAddress, bindPort, socketPath, caKeyType, caTtl, defaultX509SvidTtl,
                defaultJwtSvidTtl, agentTtl, logLevel, jwtSigningAlgorithm, jwtIssuer, jwtSvidRateLimit, oidcDiscovery,
                defaultIntentionPolicy, http, datastore, nodeAttestors, cryptoProvider);
    }

    /** This configuration with another datastore (tests, dev mode). */
    public ServerConfig withDatastore(DatastoreSettings store) {
        return new ServerConfig(trustDomain, dataDir, bindAddress, bindPort, socketPath, caKeyType, caTtl, defaultX509SvidTtl,
                defaultJwtSvidTtl, agentTtl, logLevel, jwtSigningAlgorithm, jwtIssuer, jwtSvidRateLimit, oidcDiscovery,
                defaultIntentionPolicy, http, store, nodeAttestors, cryptoProvider);
    }

    /** This configuration with these {@code node_attestor "<name>" { ... }} blocks (tests). */
    public ServerConfig withNodeAttestors(Map<String, ConfigBlock> blocks) {
        return new ServerConfig(trustDomain, dataDir, bindAddress, bindPort, socketPath, caKeyType, caTtl, defaultX509SvidTtl,
                defaultJwtSvidTtl, agentTtl, logLevel, jwtSigningAlgorithm, jwtIssuer, jwtSvidRateLimit, oidcDiscovery,
                defaultIntentionPolicy, http, datastore, blocks, cryptoProvider);
    }

    /**
     * The {@code datastore} block: where the catalog, entries, agents and bundle live.
     *
     * @param type {@code sqlite} (default: a file in data_dir) or {@code postgres}
     * @param connectionString for postgres, a libpq-style URI or key=value string, or a {@code jdbc:postgresql:} URL
     */
    public record DatastoreSettings(String type, String connectionString) {
        public static final DatastoreSettings SQLITE = new DatastoreSettings("sqlite", null);

        public boolean postgres() {
            return "postgres".equals(type);
        }
    }

    /**
     * The {@code http} block: the read-only HTTP API in Consul's shapes ({@code /v1/catalog/...},
     * {@code /v1/connect/ca/roots}). Off unless the block is present; then 127.0.0.1:8501 by default (the agent's
     * HTTP API has Consul's 8500).
     */
    public record Http(String bindAddress, int bindPort) {
        public static final String DEFAULT_ADDRESS = "127.0.0.1";
        public static final int DEFAULT_PORT = 8501;

        public Http {
            bindAddress = bindAddress == null ? DEFAULT_ADDRESS : bindAddress;
            if (bindPort < 0 || bindPort > 65535) {
                throw new ConfigException("http.bind_port: must be between 0 and 65535, got " + bindPort);
            }
        }
    }

    /** This configuration with another default intention policy (tests, dev mode). */
    public ServerConfig withDefaultIntentionPolicy(Action policy) {
        return new ServerConfig(trustDomain, dataDir, bindAddress, bindPort, socketPath, caKeyType, caTtl, defaultX509SvidTtl,
                defaultJwtSvidTtl, agentTtl, logLevel, jwtSigningAlgorithm, jwtIssuer, jwtSvidRateLimit, oidcDiscovery, policy, http, datastore, nodeAttestors, cryptoProvider);
    }

    /** This configuration with other JWT settings (tests, dev mode). */
    public ServerConfig withJwt(JwtAlgorithm algorithm, String issuer, int rateLimit, OidcDiscovery oidc) {
        return new ServerConfig(trustDomain, dataDir, bindAddress, bindPort, socketPath, caKeyType, caTtl, defaultX509SvidTtl,
                defaultJwtSvidTtl, agentTtl, logLevel, algorithm, issuer, rateLimit, oidc, defaultIntentionPolicy, http, datastore, nodeAttestors, cryptoProvider);
    }

    /**
     * The {@code oidc_discovery} block: an HTTPS listener serving {@code /.well-known/openid-configuration} and
     * the JWKS of the JWT-SVID signing keys at {@code /keys}, under the issuer URL's path.
     *
     * @param domain the DNS name clients reach the listener at: in the self-issued certificate and the default issuer
     * @param issuer the issuer URL; null means {@code jwt_issuer} if set, else {@code https://<domain>[:<port>]}
     * @param tlsCertFile PEM certificate chain to serve (leaf first); null (with {@code tlsKeyFile}) to have the
     *     server issue itself a certificate for {@code domain}, which only clients trusting this trust domain accept
     * @param tlsKeyFile PEM PKCS#8 private key of {@code tlsCertFile}
     */
    public record OidcDiscovery(String bindAddress, int bindPort, String domain, String issuer, Path tlsCertFile, Path tlsKeyFile) {
        public static final int DEFAULT_PORT = 8443;

        public OidcDiscovery {
            bindAddress = bindAddress == null ? "0.0.0.0" : bindAddress;
            domain = domain == null ? "localhost" : domain;
            if (bindPort < 0 || bindPort > 65535) {
                throw new ConfigException("oidc_discovery.bind_port: must be between 0 and 65535, got " + bindPort);
            }
            if ((tlsCertFile == null) != (tlsKeyFile == null)) {
                throw new ConfigException("oidc_discovery: tls_cert_file and tls_key_file go together (give both or neither)");
            }
        }

        /**
         * The issuer for a listener bound to {@code port}: {@link #issuer} if set, else {@code jwtIssuer} if set
         * (the tokens' {@code iss}), else {@code https://<domain>[:<port>]}.
         */
        public String issuerFor(int port, String jwtIssuer) {
            if (issuer != null) {
                return issuer;
            }
            if (jwtIssuer != null) {
                return jwtIssuer;
            }
            return "https://" + domain + (port == 443 ? "" : ":" + port);
        }
    }

    /** Reads the {@code server} block (unknown keys and blocks are errors). */
    public static ServerConfig fromHcl(ConfigBlock root, Overrides o) {
        ConfigBlock s = root.block("server");
        DatastoreSettings datastore = root.has("datastore") ? datastore(root.block("datastore")) : DatastoreSettings.SQLITE;
        ConfigBlock attestorBlocks = root.block("node_attestor");
        Map<String, ConfigBlock> nodeAttestors = new LinkedHashMap<>();
        for (String name : attestorBlocks.keys()) {
            nodeAttestors.put(name, attestorBlocks.block(name));
        }
        root.rejectUnknownKeys();
        String td = pick(o.trustDomain(), s.string("trust_domain", null));
        String dataDir = pick(o.dataDir(), s.string("data_dir", "./.signet-server"));
        String bindAddress = pick(o.bindAddress(), s.string("bind_address", "0.0.0.0"));
        int filePort = s.integer("bind_port", 8081);
        int bindPort = o.bindPort() != null ? o.bindPort() : filePort;
        String socket = pick(o.socketPath(), s.string("socket_path", DEFAULT_SOCKET));
        String keyType = s.string("ca_key_type", "ec-p256");
        Duration caTtl = s.duration("ca_ttl", Duration.ofHours(24));
        Duration x509Ttl = s.duration("default_x509_svid_ttl", Duration.ofHours(1));
        Duration jwtTtl = s.duration("default_jwt_svid_ttl", Duration.ofMinutes(5));
        Duration agentTtl = s.duration("agent_ttl", x509Ttl);
        String logLevel = pick(o.logLevel(), s.string("log_level", "info"));
        String jwtAlg = s.string("jwt_signing_algorithm", "ES256");
        String jwtIssuer = s.string("jwt_issuer", null);
        int jwtRateLimit = s.integer("jwt_svid_rate_limit", DEFAULT_JWT_SVID_RATE_LIMIT);
        OidcDiscovery oidc = s.has("oidc_discovery") ? oidc(s.block("oidc_discovery"), jwtIssuer) : null;
        String intentionPolicy = s.string("default_intention_policy", "deny");
        String cryptoProviderName = s.string("crypto_provider", "auto");
        Http http = s.has("http") ? http(s.block("http")) : null;
        s.rejectUnknownKeys();
        Action defaultIntentionPolicy;
        try {
            defaultIntentionPolicy = Action.parse(intentionPolicy);
        } catch (IllegalArgumentException e) {
            throw s.invalid("default_intention_policy", e.getMessage());
        }

        if (td == null) {
            throw s.invalid("trust_domain", "is required (e.g. trust_domain = \"example.org\")");
        }
        TrustDomain trustDomain;
        try {
            trustDomain = new TrustDomain(td);
        } catch (IllegalArgumentException e) {
            throw s.invalid("trust_domain", e.getMessage());
        }
        if (bindPort < 0 || bindPort > 65535) {
            throw s.invalid("bind_port", "must be between 0 and 65535, got " + bindPort);
        }
        SigningProvider.Choice cryptoProvider;
        try {
            cryptoProvider = SigningProvider.Choice.parse(cryptoProviderName);
        } catch (IllegalArgumentException e) {
            throw s.invalid("crypto_provider", e.getMessage());
        }
        Crypto.KeyType kt;
        try {
            kt = Crypto.KeyType.parse(keyType);
        } catch (IllegalArgumentException e) {
            throw s.invalid("ca_key_type", e.getMessage());
        }
        requirePositive(s, "ca_ttl", caTtl);
        requirePositive(s, "default_x509_svid_ttl", x509Ttl);
        requirePositive(s, "default_jwt_svid_ttl", jwtTtl);
        requirePositive(s, "agent_ttl", agentTtl);
        if (x509Ttl.compareTo(caTtl) > 0) {
            throw s.invalid("default_x509_svid_ttl", "must not exceed ca_ttl (" + caTtl + "): an SVID never outlives its CA");
        }
        if (jwtTtl.compareTo(caTtl) > 0) {
            throw s.invalid("default_jwt_svid_ttl", "must not exceed ca_ttl (" + caTtl + "): a JWT-SVID never outlives its signing key");
        }
        JwtAlgorithm alg;
        try {
            alg = JwtAlgorithm.parse(jwtAlg);
        } catch (IllegalArgumentException e) {
            throw s.invalid("jwt_signing_algorithm", e.getMessage());
        }
        if (jwtIssuer != null && (jwtIssuer.isBlank() || jwtIssuer.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c)))) {
            throw s.invalid("jwt_issuer", "must be a non-empty string without spaces, e.g. \"https://oidc.example.org\"");
        }
        if (jwtRateLimit < 0) {
            throw s.invalid("jwt_svid_rate_limit", "must be 0 (no limit) or a positive number of JWT-SVIDs per second per agent");
        }
        String level = logLevel.toLowerCase(Locale.ROOT);
        if (!level.matches("trace|debug|info|warn|error")) {
            throw s.invalid("log_level", "must be one of trace, debug, info, warn, error; got \"" + logLevel + "\"");
        }
        return new ServerConfig(trustDomain, Path.of(dataDir), bindAddress, bindPort, Path.of(socket), kt, caTtl, x509Ttl, jwtTtl, agentTtl, level,
                alg, jwtIssuer, jwtRateLimit, oidc, defaultIntentionPolicy, http, datastore, nodeAttestors, cryptoProvider);
    }

    private static DatastoreSettings datastore(ConfigBlock b) {
        String type = b.string("type", "sqlite");
        String conn = b.string("connection_string", null);
        b.rejectUnknownKeys();
        switch (type) {
            case "sqlite" -> {
                if (conn != null) {
                    throw b.invalid("connection_string", "is only for type = \"postgres\" (SQLite lives in server.data_dir)");
                }
            }
            case "postgres" -> {
                if (conn == null || conn.isBlank()) {
                    throw b.invalid("connection_string", "is required for type = \"postgres\", e.g."
                            + " \"postgresql://signet:secret@db.example.org:5432/signet\"");
                }
            }
            default -> throw b.invalid("type", "must be \"sqlite\" or \"postgres\", got \"" + type + "\"");
        }
        return new DatastoreSettings(type, conn);
    }

    private static Http http(ConfigBlock b) {
        String bindAddress = b.string("bind_address", Http.DEFAULT_ADDRESS);
        int port = b.integer("bind_port", Http.DEFAULT_PORT);
        b.rejectUnknownKeys();
        if (port < 0 || port > 65535) {
            throw b.invalid("bind_port", "must be between 0 and 65535, got " + port);
        }
        return new Http(bindAddress, port);
    }

    private static OidcDiscovery oidc(ConfigBlock b, String jwtIssuer) {
        String bindAddress = b.string("bind_address", "0.0.0.0");
        int port = b.integer("bind_port", OidcDiscovery.DEFAULT_PORT);
        String domain = b.string("domain", "localhost");
        String issuer = b.string("issuer", null);
        String cert = b.string("tls_cert_file", null);
        String key = b.string("tls_key_file", null);
        b.rejectUnknownKeys();
        if (port < 0 || port > 65535) {
            throw b.invalid("bind_port", "must be between 0 and 65535, got " + port);
        }
        if (!isDnsName(domain)) {
            throw b.invalid("domain", "\"" + domain + "\" is not a DNS name");
        }
        if (issuer != null) {
            checkIssuer(b, "issuer", issuer);
            if (jwtIssuer != null && !jwtIssuer.equals(issuer)) {
                throw b.invalid("issuer", "differs from server.jwt_issuer (\"" + jwtIssuer + "\"): relying parties require the"
                        + " discovery document's issuer to equal the tokens' iss claim");
            }
        } else if (jwtIssuer != null) {
            try {
                checkIssuer(b, "issuer", jwtIssuer);
            } catch (ConfigException e) {
                throw new ConfigException("server.jwt_issuer: is also the OIDC discovery issuer, so " + e.getMessage().replaceFirst("^[^:]*: ", ""));
            }
            issuer = jwtIssuer;
        }
        if ((cert == null) != (key == null)) {
            throw b.invalid(cert == null ? "tls_cert_file" : "tls_key_file", "is required with " + (cert == null ? "tls_key_file" : "tls_cert_file"));
        }
        return new OidcDiscovery(bindAddress, port, domain, issuer, cert == null ? null : Path.of(cert), key == null ? null : Path.of(key));
    }

    /** An OIDC issuer is an https URL with a host and no query or fragment (OpenID Connect Discovery §3). */
    private static void checkIssuer(ConfigBlock b, String key, String issuer) {
        java.net.URI u;
        try {
            u = new java.net.URI(issuer);
        } catch (java.net.URISyntaxException e) {
            throw b.invalid(key, "\"" + issuer + "\" is not a URL: " + e.getReason());
        }
        if (!"https".equals(u.getScheme()) || u.getHost() == null || u.getRawQuery() != null || u.getRawFragment() != null
                || u.getRawUserInfo() != null) {
            throw b.invalid(key, "\"" + issuer + "\" must be an https URL with a host and no query or fragment, e.g. https://oidc.example.org");
        }
    }

    private static boolean isDnsName(String s) {
        if (s.isEmpty() || s.length() > 253) {
            return false;
        }
        for (String label : s.split("\\.", -1)) {
            if (!label.matches("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")) {
                return false;
            }
        }
        return true;
    }

    private static void requirePositive(ConfigBlock s, String key, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw s.invalid(key, "must be positive");
        }
    }

    private static String pick(String flag, String file) {
        return flag != null ? flag : file;
    }

    /** Values given on the command line; null means "not given, use the file or the default". */
    public record Overrides(String trustDomain, String dataDir, String bindAddress, Integer bindPort, String socketPath, String logLevel) {
        public static Overrides none() {
            return new Overrides(null, null, null, null, null, null);
        }
    }

    /** Checked by callers that build configs in code (dev mode, tests). */
    public ServerConfig {
        if (trustDomain == null || dataDir == null || socketPath == null) {
            throw new ConfigException("server config: trust_domain, data_dir and socket_path are required");
        }
        jwtSigningAlgorithm = jwtSigningAlgorithm == null ? JwtAlgorithm.ES256 : jwtSigningAlgorithm;
        jwtIssuer = jwtIssuer == null || jwtIssuer.isEmpty() ? null : jwtIssuer;
        defaultIntentionPolicy = defaultIntentionPolicy == null ? Action.DENY : defaultIntentionPolicy;
        datastore = datastore == null ? DatastoreSettings.SQLITE : datastore;
        nodeAttestors = nodeAttestors == null ? Map.of() : Map.copyOf(nodeAttestors);
        cryptoProvider = cryptoProvider == null ? SigningProvider.Choice.AUTO : cryptoProvider;
        if (jwtSvidRateLimit < 0) {
            throw new ConfigException("server config: jwt_svid_rate_limit must not be negative");
        }
    }
}
