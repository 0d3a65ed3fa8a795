package dev.signet.cli;

import dev.signet.cli.api.WorkloadSocket;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.CliException;
import dev.signet.cli.common.FlagValues;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.cli.run.DevFlags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code signet dev}: a server and an agent in one process with throw-away state. Its sockets default
 * to the same places the other commands look, so {@code signet entry create} and
 * {@code signet api fetch x509} work against it from another terminal without flags.
 */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = "Run a server and an agent in one process, for trying Signet on one machine. "
                + "Not for production: state lives in a temporary directory unless --data-dir is given.")
final class DevCommand implements Callable<Integer> {
    static final String DEFAULT_TRUST_DOMAIN = "example.org";

    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Option(names = "--trust-domain", paramLabel = "NAME", defaultValue = DEFAULT_TRUST_DOMAIN,
            description = "Trust domain (default: ${DEFAULT-VALUE}).")
    String trustDomain;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Directory for the server's and agent's state (default: a new temporary directory).")
    Path dataDir;

    @Option(names = "--socket", paramLabel = "PATH",
            description = "Workload API socket (default: $" + WorkloadSocket.ENV + " or /tmp/signet/agent.sock).")
    String socket;

    @Option(names = "--server-socket", paramLabel = "PATH",
            description = "Admin API socket (default: $" + ServerSocketOption.ENV + " or /tmp/signet/server.sock).")
    Path serverSocket;

    DevCommand(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        var td = FlagValues.trustDomain(spec, "--trust-domain", trustDomain);
        Path workload = WorkloadSocket.resolve(spec, "--socket", socket, env);
        Path admin = serverSocket != null ? serverSocket : new ServerSocketOption().resolve(env);
        boolean temporary = dataDir == null;
        Path dir = dataDir;
        if (temporary) {
            try {
                dir = Files.createTempDirectory("signet-dev-");
            } catch (IOException e) {
                throw new CliException("cannot create a temporary data directory: " + e.getMessage(), e);
            }
        }
        return env.launcher().runDev(new DevFlags(td, dir, temporary, workload, admin), env.out(), env.err());
    }
}
