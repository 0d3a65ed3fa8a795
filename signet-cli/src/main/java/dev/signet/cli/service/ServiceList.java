package dev.signet.cli.service;

import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.proto.catalog.v1.ListServicesRequest;
import dev.signet.proto.catalog.v1.Service;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code signet service list}. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List registered services.")
final class ServiceList implements Callable<Integer> {
    private final CliEnv env;

    @Mixin
    ServerSocketOption socket;

    @Mixin
    OutputOption output;

    ServiceList(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        List<Service> services;
        try (CatalogClient client = CatalogClient.connect(socket.resolve(env))) {
            services = client.call(c -> c.listServices(ListServicesRequest.getDefaultInstance())).getServicesList();
        }
        if (output.json()) {
            Json.print(env.out(), ServiceView.toJson(services));
        } else {
            ServiceView.printText(env.out(), services);
        }
        return 0;
    }
}
