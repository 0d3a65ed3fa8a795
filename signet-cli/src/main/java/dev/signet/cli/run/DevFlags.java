package dev.signet.cli.run;

import dev.signet.core.spiffeid.TrustDomain;
import java.nio.file.Path;

/**
 * The flags of {@code signet dev}, with defaults already applied (there is no config file to fall back
 * on), so no field is null.
 *
 * @param trustDomain      {@code --trust-domain}, default {@code example.org}
 * @param dataDir          {@code --data-dir}; when not given, a fresh directory the CLI created under
 *                         {@code java.io.tmpdir}
 * @param temporaryDataDir true if {@code dataDir} is that fresh directory, which the launcher may delete on exit
 * @param socket           {@code --socket}: the Workload API socket; default {@code $SPIFFE_ENDPOINT_SOCKET}
 *                         or {@code /tmp/signet/agent.sock}
 * @param serverSocket     {@code --server-socket}: the admin API socket; default {@code $SIGNET_SERVER_SOCKET}
 *                         or {@code /tmp/signet/server.sock}
 */
public record DevFlags(TrustDomain trustDomain, Path dataDir, boolean temporaryDataDir, Path socket, Path serverSocket) {}
