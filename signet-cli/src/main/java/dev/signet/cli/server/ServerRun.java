package dev.signet.cli.server;

import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.FlagValues;
import dev.signet.cli.run.ServerFlags;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signet server run}: validates the flags and hands them to the launcher. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run the server. Flags override the values of the config file.")
final class ServerRun implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "PATH", description = "Config file (HCL or JSON).")
    Path config;

    @Option(names = "--trust-domain", paramLabel = "NAME", description = "Trust domain, such as example.org.")
    String trustDomain;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Directory for the server's state.")
    Path dataDir;

    @Option(names = "--bind-address", paramLabel = "ADDR", description = "Address the agent API listens on.")
    String bindAddress;

    @Option(names = "--bind-port", paramLabel = "PORT", description = "Port the agent API listens on.")
    Integer bindPort;

    @Option(names = "--socket-path", paramLabel = "PATH", description = "Path of the admin API socket.")
    Path socketPath;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "trace, debug, info, warn or error.")
    String logLevel;

    ServerRun(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        ServerFlags flags = new ServerFlags(
                FlagValues.existingFile(spec, "--config", config),
                trustDomain == null ? null : FlagValues.trustDomain(spec, "--trust-domain", trustDomain),
                dataDir,
                bindAddress == null ? null : FlagValues.nonBlank(spec, "--bind-address", bindAddress),
                FlagValues.port(spec, "--bind-port", bindPort, 0),
                socketPath,
                FlagValues.logLevel(spec, "--log-level", logLevel));
        return env.launcher().runServer(flags, env.out(), env.err());
    }
}
