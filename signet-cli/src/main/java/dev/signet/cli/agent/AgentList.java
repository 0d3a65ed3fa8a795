package dev.signet.cli.agent;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.signet.cli.common.AdminClient;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.cli.common.TextBlock;
import dev.signet.proto.admin.v1.ListAgentsRequest;
import dev.signet.proto.common.v1.Agent;
import dev.signet.proto.common.v1.Selector;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code signet agent list}. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List attested agents.")
final class AgentList implements Callable<Integer> {
    private final CliEnv env;

    @Mixin
    ServerSocketOption socket;

    @Mixin
    OutputOption output;

    AgentList(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        List<Agent> agents;
        try (AdminClient client = AdminClient.connect(socket.resolve(env))) {
            agents = client.call(s -> s.listAgents(ListAgentsRequest.getDefaultInstance())).getAgentsList();
        }
        if (output.json()) {
            ArrayNode arr = Json.array();
            agents.forEach(a -> arr.add(toJson(a)));
            Json.print(env.out(), arr);
            return 0;
        }
        env.out().println("Found " + agents.size() + (agents.size() == 1 ? " attested agent" : " attested agents"));
        for (Agent a : agents) {
            env.out().println();
            text(a).print(env.out());
        }
        return 0;
    }

    static TextBlock text(Agent a) {
        TextBlock b = new TextBlock()
                .line("SPIFFE ID", a.getSpiffeId())
                .line("Attestation type", a.getAttestationType())
                .line("Expiration time", TextBlock.time(a.getCertNotAfterUnix()))
                .line("Serial number", a.getCertSerial().isEmpty() ? "-" : a.getCertSerial())
                .line("Banned", a.getBanned());
        for (Selector s : a.getSelectorsList()) {
            b.line("Selector", s.getType() + ":" + s.getValue());
        }
        return b.line("Created at", TextBlock.time(a.getCreatedAtUnix()))
                .line("Last seen", TextBlock.time(a.getLastSeenUnix()));
    }

    static ObjectNode toJson(Agent a) {
        ObjectNode o = Json.object();
        o.put("spiffe_id", a.getSpiffeId());
        o.put("attestation_type", a.getAttestationType());
        ArrayNode sel = o.putArray("selectors");
        a.getSelectorsList().forEach(s -> sel.add(s.getType() + ":" + s.getValue()));
        o.put("cert_serial", a.getCertSerial());
        o.put("cert_expires_at", Json.time(a.getCertNotAfterUnix()));
        o.put("banned", a.getBanned());
        o.put("created_at", Json.time(a.getCreatedAtUnix()));
        o.put("last_seen_at", Json.time(a.getLastSeenUnix()));
        return o;
    }
}
