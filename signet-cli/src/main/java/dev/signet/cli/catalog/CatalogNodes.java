package dev.signet.cli.catalog;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.proto.catalogstate.v1.ListNodesRequest;
import dev.signet.proto.catalogstate.v1.Node;
import dev.signet.proto.catalogstate.v1.NodeIdentity;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code signet catalog nodes}. */
@Command(name = "nodes", mixinStandardHelpOptions = true,
        description = "List attested nodes (agents) with the identities their workloads currently receive.")
final class CatalogNodes implements Callable<Integer> {
    private final CliEnv env;

    @Mixin
    ServerSocketOption socket;

    @Mixin
    OutputOption output;

    CatalogNodes(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        List<Node> nodes;
        try (CatalogStateClient client = CatalogStateClient.connect(socket.resolve(env))) {
            nodes = client.call(c -> c.listNodes(ListNodesRequest.getDefaultInstance())).getNodesList();
        }
        if (output.json()) {
            ArrayNode arr = Json.array();
            for (Node n : nodes) {
                ObjectNode o = arr.addObject();
                o.put("Node", n.getSpiffeId());
                ArrayNode sel = o.putArray("Selectors");
                n.getSelectorsList().forEach(sel::add);
                o.put("Reporting", n.getReporting());
                if (n.getLastSeenUnix() > 0) {
                    o.put("LastSeen", Json.time(n.getLastSeenUnix()));
                }
                ArrayNode ids = o.putArray("Identities");
                for (NodeIdentity i : n.getIdentitiesList()) {
                    ids.addObject().put("EntryID", i.getEntryId()).put("SpiffeID", i.getSpiffeId()).put("Workloads", i.getWorkloads());
                }
            }
            Json.print(env.out(), arr);
            return 0;
        }
        if (nodes.isEmpty()) {
            env.out().println("No nodes attested.");
            return 0;
        }
        env.out().printf("%-56s %-10s %-10s %s%n", "NODE", "REPORTING", "IDENTITIES", "WORKLOADS");
        for (Node n : nodes) {
            env.out().printf("%-56s %-10s %-10d %d%n", n.getSpiffeId(), n.getReporting() ? "yes" : "no", n.getIdentitiesCount(),
                    n.getIdentitiesList().stream().mapToInt(NodeIdentity::getWorkloads).sum());
        }
        return 0;
    }
}
