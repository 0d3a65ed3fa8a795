package dev.signet.cli;

import dev.signet.cli.common.CliEnv;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code signet version}. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Print the version of signet.")
final class VersionCommand implements Callable<Integer> {
    private final CliEnv env;

    VersionCommand(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        env.out().println("signet " + VersionInfo.version());
        return 0;
    }
}
