package dev.signet.cli.run;

import dev.signet.core.spiffeid.TrustDomain;
import java.nio.file.Path;

/**
 * The flags of {@code signet server run}. Every field except {@code config} overrides the matching
 * config-file value; {@code null} means the flag was not given, so the config file (or its default) wins.
 *
 * @param config      {@code --config}: the HCL/JSON config file, or null
 * @param trustDomain {@code --trust-domain}
 * @param dataDir     {@code --data-dir}
 * @param bindAddress {@code --bind-address}: the agent API's listen address
 * @param bindPort    {@code --bind-port}: the agent API's TCP port, 0..65535
 * @param socketPath  {@code --socket-path}: the admin API's Unix socket
 * @param logLevel    {@code --log-level}: one of TRACE, DEBUG, INFO, WARN, ERROR (normalised to upper case)
 */
public record ServerFlags(
        Path config,
        TrustDomain trustDomain,
        Path dataDir,
        String bindAddress,
        Integer bindPort,
        Path socketPath,
        String logLevel) {}
