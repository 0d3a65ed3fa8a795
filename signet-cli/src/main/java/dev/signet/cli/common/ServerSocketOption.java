package dev.signet.cli.common;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --server-socket}: where the server's admin API listens. Mixed into every admin command. */
public final class ServerSocketOption {
    /** The environment variable consulted when the flag is not given. */
    public static final String ENV = "SIGNET_SERVER_SOCKET";
    /** The socket used when neither flag nor environment variable is given. */
    public static final Path DEFAULT = Path.of("/tmp/signet/server.sock");

    @Option(names = "--server-socket", paramLabel = "PATH",
            description = "Path of the server's admin API socket (env: " + ENV + ", default: /tmp/signet/server.sock).")
    Path socket;

    /** The flag, else {@value #ENV}, else {@link #DEFAULT}. */
    public Path resolve(CliEnv env) {
        if (socket != null) {
            return socket;
        }
        String fromEnv = env.getenv(ENV);
        return fromEnv != null ? Path.of(fromEnv) : DEFAULT;
    }
}
