package dev.signet.cli;

import dev.signet.cli.common.AdminClient;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.CliException;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.proto.admin.v1.HealthRequest;
import dev.signet.proto.admin.v1.HealthResponse;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code signet healthcheck}: asks the server's admin API whether it is healthy. */
@Command(name = "healthcheck", mixinStandardHelpOptions = true,
        description = "Check that the server is up and healthy. Exit code 0 if it is, 1 if not.")
final class HealthcheckCommand implements Callable<Integer> {
    /** Status strings that mean healthy; an empty status (an older server) counts as healthy too. */
    private static final Set<String> HEALTHY = Set.of("", "ok", "serving", "healthy");

    private final CliEnv env;

    @Mixin
    ServerSocketOption socket;

    @Option(names = "--verbose", description = "Also print the reported status and trust domain.")
    boolean verbose;

    HealthcheckCommand(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        HealthResponse health;
        try (AdminClient client = AdminClient.connect(socket.resolve(env))) {
            health = client.call(s -> s.health(HealthRequest.getDefaultInstance()));
        }
        if (!HEALTHY.contains(health.getStatus().toLowerCase(Locale.ROOT))) {
            throw new CliException("server is unhealthy: " + health.getStatus());
        }
        env.out().println("server is healthy");
        if (verbose) {
            env.out().println("status: " + (health.getStatus().isEmpty() ? "-" : health.getStatus()));
            env.out().println("trust domain: " + (health.getTrustDomain().isEmpty() ? "-" : health.getTrustDomain()));
        }
        return 0;
    }
}
