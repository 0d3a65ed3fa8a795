package dev.signet.cli.agent;

import dev.signet.cli.common.AdminClient;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.FlagValues;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.proto.admin.v1.AgentRef;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signet agent evict}. */
@Command(name = "evict", mixinStandardHelpOptions = true,
        description = "Evict an agent: delete its attestation record. The agent must attest again (with a new join token if it used one).")
final class AgentEvict implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Mixin
    ServerSocketOption socket;

    @Option(names = "--spiffe-id", paramLabel = "ID", required = true, description = "SPIFFE ID of the agent.")
    String spiffeId;

    AgentEvict(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        String id = FlagValues.spiffeId(spec, "--spiffe-id", spiffeId).toString();
        try (AdminClient client = AdminClient.connect(socket.resolve(env))) {
            client.call(s -> s.evictAgent(AgentRef.newBuilder().setSpiffeId(id).build()));
        }
        env.out().println("Evicted agent " + id);
        return 0;
    }
}
