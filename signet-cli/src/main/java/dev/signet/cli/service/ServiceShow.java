package dev.signet.cli.service;

import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.proto.catalog.v1.Service;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code signet service show NAME}. */
@Command(name = "show", mixinStandardHelpOptions = true, description = "Show one registered service.")
final class ServiceShow implements Callable<Integer> {
    private final CliEnv env;

    @Parameters(index = "0", paramLabel = "NAME", description = "The service name.")
    String name;

    @Mixin
    ServiceRefOptions where;

    @Mixin
    ServerSocketOption socket;

    @Mixin
    OutputOption output;

    ServiceShow(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        Service s;
        try (CatalogClient client = CatalogClient.connect(socket.resolve(env))) {
            s = client.call(c -> c.getService(where.ref(name)));
        }
        if (output.json()) {
            Json.print(env.out(), ServiceView.toJson(s));
        } else {
            ServiceView.text(s).print(env.out());
        }
        return 0;
    }
}
