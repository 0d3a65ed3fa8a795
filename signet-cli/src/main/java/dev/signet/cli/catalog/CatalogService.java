package dev.signet.cli.catalog;

import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.proto.catalogstate.v1.GetServiceRequest;
import dev.signet.proto.catalogstate.v1.ServiceInstance;
import dev.signet.proto.catalogstate.v1.ServiceState;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code signet catalog service NAME}. */
@Command(name = "service", mixinStandardHelpOptions = true, description = "Show the nodes currently serving a service.")
final class CatalogService implements Callable<Integer> {
    private final CliEnv env;

    @Parameters(index = "0", paramLabel = "NAME", description = "The service name.")
    String name;

    @Option(names = "--namespace", paramLabel = "NS", description = "Namespace of the service (default: default).")
    String namespace;

    @Option(names = "--partition", paramLabel = "AP", description = "Admin partition of the service (default: default).")
    String partition;

    @Option(names = "--datacenter", paramLabel = "DC", description = "Datacenter of the service (default: dc1).")
    String datacenter;

    @Mixin
    ServerSocketOption socket;

    @Mixin
    OutputOption output;

    CatalogService(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        GetServiceRequest.Builder req = GetServiceRequest.newBuilder().setName(name);
        if (namespace != null) {
            req.setNamespace(namespace);
        }
        if (partition != null) {
            req.setPartition(partition);
        }
        if (datacenter != null) {
            req.setDatacenter(datacenter);
        }
        ServiceState s;
        try (CatalogStateClient client = CatalogStateClient.connect(socket.resolve(env))) {
            s = client.call(c -> c.getService(req.build()));
        }
        if (output.json()) {
            Json.print(env.out(), CatalogServices.toJson(s));
            return 0;
        }
        env.out().printf("Service:   %s (namespace %s, datacenter %s)%n", s.getName(), s.getNamespace(), s.getDatacenter());
        env.out().printf("SPIFFE ID: %s%n", s.getSpiffeId());
        if (s.getInstancesCount() == 0) {
            env.out().println("No node currently serves this service.");
            return 0;
        }
        env.out().printf("%-56s %-9s %s%n", "NODE", "WORKLOADS", "LAST SEEN");
        for (ServiceInstance i : s.getInstancesList()) {
            env.out().printf("%-56s %-9d %s%n", i.getNode(), i.getWorkloads(), Json.time(i.getLastSeenUnix()));
        }
        return 0;
    }
}
