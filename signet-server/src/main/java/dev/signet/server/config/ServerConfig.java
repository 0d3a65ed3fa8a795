package dev.signet.server.config;

import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Crypto;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

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
        String logLevel) {

    public static final String DEFAULT_SOCKET = "/tmp/signet/server.sock";

    /** Reads the {@code server} block (unknown keys and blocks are errors). */
    public static ServerConfig fromHcl(ConfigBlock root, Overrides o) {
        ConfigBlock s = root.block("server");
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
        s.rejectUnknownKeys();

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
        String level = logLevel.toLowerCase(Locale.ROOT);
        if (!level.matches("trace|debug|info|warn|error")) {
            throw s.invalid("log_level", "must be one of trace, debug, info, warn, error; got \"" + logLevel + "\"");
        }
        return new ServerConfig(trustDomain, Path.of(dataDir), bindAddress, bindPort, Path.of(socket), kt, caTtl, x509Ttl, jwtTtl, agentTtl, level);
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
    }
}
