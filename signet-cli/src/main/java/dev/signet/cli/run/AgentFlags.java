package dev.signet.cli.run;

import dev.signet.core.spiffeid.TrustDomain;
import java.nio.file.Path;

/**
 * The flags of {@code signet agent run}. Every field except {@code config} overrides the matching
 * config-file value; {@code null} means the flag was not given, so the config file (or its default) wins.
 *
 * @param config            {@code --config}: the HCL/JSON config file, or null
 * @param trustDomain       {@code --trust-domain}
 * @param serverAddress     {@code --server-address}: host name or IP of the server's agent API
 * @param serverPort        {@code --server-port}: 1..65535
 * @param dataDir           {@code --data-dir}
 * @param socketPath        {@code --socket-path}: the Workload API's Unix socket
 * @param joinToken         {@code --join-token}: a secret; {@link #toString()} redacts it
 * @param trustBundle       {@code --trust-bundle}: PEM file of the server's CA certificates
 * @param insecureBootstrap {@code --insecure-bootstrap[=true|false]}: TRUE/FALSE if given, else null
 * @param logLevel          {@code --log-level}: one of TRACE, DEBUG, INFO, WARN, ERROR (normalised to upper case)
 */
public record AgentFlags(
        Path config,
        TrustDomain trustDomain,
        String serverAddress,
        Integer serverPort,
        Path dataDir,
        Path socketPath,
        String joinToken,
        Path trustBundle,
        Boolean insecureBootstrap,
        String logLevel) {

    @Override
    public String toString() {
        return "AgentFlags[config=" + config + ", trustDomain=" + trustDomain + ", serverAddress=" + serverAddress
                + ", serverPort=" + serverPort + ", dataDir=" + dataDir + ", socketPath=" + socketPath
                + ", joinToken=" + (joinToken == null ? "null" : "(redacted)") + ", trustBundle=" + trustBundle
                + ", insecureBootstrap=" + insecureBootstrap + ", logLevel=" + logLevel + "]";
    }
}
