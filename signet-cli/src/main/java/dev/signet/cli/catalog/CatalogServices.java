package dev.signet.cli.catalog;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.proto.catalogstate.v1.ListServicesRequest;
import dev.signet.proto.catalogstate.v1.ServiceInstance;
import dev.signet.proto.catalogstate.v1.ServiceState;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code signet catalog services}. */
@Command(name = "services", mixinStandardHelpOptions = true,
        description = "List registered services with how many nodes and workloads currently serve each.")
final class CatalogServices implements Callable<Integer> {
    private final CliEnv env;

    @Mixin
    ServerSocketOption socket;

    @Mixin
    OutputOption output;

    CatalogServices(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        List<ServiceState> services;
        try (CatalogStateClient client = CatalogStateClient.connect(socket.resolve(env))) {
            services = client.call(c -> c.listServices(ListServicesRequest.getDefaultInstance())).getServicesList();
        }
        if (output.json()) {
            ArrayNode arr = Json.array();
            services.forEach(s -> arr.add(toJson(s)));
            Json.print(env.out(), arr);
            return 0;
        }
        if (services.isEmpty()) {
            env.out().println("No services registered.");
            return 0;
        }
        env.out().printf("%-24s %-12s %-6s %-6s %-9s %s%n", "NAME", "NAMESPACE", "DC", "NODES", "WORKLOADS", "SPIFFE ID");
        for (ServiceState s : services) {
            env.out().printf("%-24s %-12s %-6s %-6d %-9d %s%n", s.getName(), s.getNamespace(), s.getDatacenter(),
                    s.getInstancesCount(), workloads(s), s.getSpiffeId());
        }
        return 0;
    }

    static int workloads(ServiceState s) {
        return s.getInstancesList().stream().mapToInt(ServiceInstance::getWorkloads).sum();
    }

    static ObjectNode toJson(ServiceState s) {
        ObjectNode o = Json.object();
        o.put("Name", s.getName());
        o.put("Namespace", s.getNamespace());
        o.put("Partition", s.getPartition());
        o.put("Datacenter", s.getDatacenter());
        o.put("SpiffeID", s.getSpiffeId());
        ArrayNode tags = o.putArray("Tags");
        s.getTagsList().forEach(tags::add);
        o.put("Port", s.getPort());
        ArrayNode nodes = o.putArray("Nodes");
        for (ServiceInstance i : s.getInstancesList()) {
            ObjectNode n = nodes.addObject();
            n.put("Node", i.getNode());
            n.put("Workloads", i.getWorkloads());
            n.put("LastSeen", Json.time(i.getLastSeenUnix()));
        }
        return o;
    }
}
