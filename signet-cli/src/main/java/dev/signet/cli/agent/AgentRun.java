package dev.signet.cli.agent;

import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.FlagValues;
import dev.signet.cli.run.AgentFlags;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signet agent run}: validates the flags and hands them to the launcher. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run the agent. Flags override the values of the config file.")
final class AgentRun implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "PATH", description = "Config file (HCL or JSON).")
    Path config;

    @Option(names = "--trust-domain", paramLabel = "NAME", description = "Trust domain, such as example.org.")
    String trustDomain;

    @Option(names = "--server-address", paramLabel = "HOST[:PORT]",
            description = "Host name or IP of the server, optionally with :PORT. Several servers: repeat the flag or"
                    + " separate them with commas; the agent spreads across them and fails over.")
    java.util.List<String> serverAddress;

    @Option(names = "--server-port", paramLabel = "PORT", description = "Port of the server's agent API.")
    Integer serverPort;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Directory for the agent's state.")
    Path dataDir;

    @Option(names = "--socket-path", paramLabel = "PATH", description = "Path of the Workload API socket.")
    Path socketPath;

    @Option(names = "--join-token", paramLabel = "TOKEN",
            description = "Join token for node attestation (from 'signet token generate').")
    String joinToken;

    @Option(names = "--trust-bundle", paramLabel = "PATH",
            description = "PEM file with the server's CA certificates, to authenticate the server on first start.")
    Path trustBundle;

    @Option(names = "--insecure-bootstrap", arity = "0..1", paramLabel = "true|false",
            description = "Trust the server on first start without a trust bundle. Unsafe outside tests.")
    Boolean insecureBootstrap;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "trace, debug, info, warn or error.")
    String logLevel;

    AgentRun(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        AgentFlags flags = new AgentFlags(
                FlagValues.existingFile(spec, "--config", config),
                trustDomain == null ? null : FlagValues.trustDomain(spec, "--trust-domain", trustDomain),
                serverAddress == null ? null : FlagValues.nonBlank(spec, "--server-address", String.join(",", serverAddress)),
                FlagValues.port(spec, "--server-port", serverPort, 1),
                dataDir,
                socketPath,
                joinToken == null ? null : FlagValues.nonBlank(spec, "--join-token", joinToken),
                FlagValues.existingFile(spec, "--trust-bundle", trustBundle),
                insecureBootstrap,
                FlagValues.logLevel(spec, "--log-level", logLevel));
        if (Boolean.TRUE.equals(insecureBootstrap) && trustBundle != null) {
            throw FlagValues.invalid(spec, "--insecure-bootstrap", "cannot be combined with --trust-bundle");
        }
        return env.launcher().runAgent(flags, env.out(), env.err());
    }
}
