package dev.signet.cli.service;

import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.ServerSocketOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code signet service deregister NAME}. */
@Command(name = "deregister", mixinStandardHelpOptions = true,
        description = "Deregister a service; its managed registration entries are deleted with it.")
final class ServiceDeregister implements Callable<Integer> {
    private final CliEnv env;

    @Parameters(index = "0", paramLabel = "NAME", description = "The service name.")
    String name;

    @Mixin
    ServiceRefOptions where;

    @Mixin
    ServerSocketOption socket;

    ServiceDeregister(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        try (CatalogClient client = CatalogClient.connect(socket.resolve(env))) {
            client.call(c -> c.deregisterService(where.ref(name)));
        }
        env.out().println("Deregistered service " + name);
        return 0;
    }
}
