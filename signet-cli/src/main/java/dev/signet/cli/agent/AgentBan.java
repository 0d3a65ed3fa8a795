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

/** {@code signet agent ban}. */
@Command(name = "ban", mixinStandardHelpOptions = true,
        description = "Ban an agent: it can no longer renew its SVID or attest again.")
final class AgentBan implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Mixin
    ServerSocketOption socket;

    @Option(names = "--spiffe-id", paramLabel = "ID", required = true, description = "SPIFFE ID of the agent.")
    String spiffeId;

    AgentBan(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        String id = FlagValues.spiffeId(spec, "--spiffe-id", spiffeId).toString();
        try (AdminClient client = AdminClient.connect(socket.resolve(env))) {
            client.call(s -> s.banAgent(AgentRef.newBuilder().setSpiffeId(id).build()));
        }
        env.out().println("Banned agent " + id);
        return 0;
    }
}
