package dev.signet.cli.intention;

import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.proto.intention.v1.Action;
import dev.signet.proto.intention.v1.CreateIntentionRequest;
import dev.signet.proto.intention.v1.Intention;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code signet intention create SRC DST (--allow|--deny) [--description TEXT]}. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Create an intention from SRC to DST.",
            "SRC: a service (web, ns/web), a namespace (ns/*), *, a SPIFFE ID (spiffe://other.org/x) or a trust domain"
                + " (spiffe://other.org). DST: a service, ns/* or *. Prints the new intention's ID."})
final class IntentionCreate implements Callable<Integer> {
    private final CliEnv env;

    @Parameters(index = "0", paramLabel = "SRC", description = "Source.")
    String source;

    @Parameters(index = "1", paramLabel = "DST", description = "Destination.")
    String destination;

    @ArgGroup(exclusive = true, multiplicity = "1")
    ActionFlags action;

    static final class ActionFlags {
        @Option(names = "--allow", required = true, description = "Allow the connections.")
        boolean allow;

        @Option(names = "--deny", required = true, description = "Deny the connections.")
        boolean deny;
    }

    @Option(names = "--description", paramLabel = "TEXT", description = "Free text kept with the intention.")
    String description;

    @Mixin
    ServerSocketOption socket;

    IntentionCreate(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        CreateIntentionRequest req = CreateIntentionRequest.newBuilder()
                .setSource(source)
                .setDestination(destination)
                .setAction(action.allow ? Action.ACTION_ALLOW : Action.ACTION_DENY)
                .setDescription(description == null ? "" : description)
                .build();
        Intention created;
        try (IntentionClient client = IntentionClient.connect(socket.resolve(env))) {
            created = client.call(s -> s.create(req));
        }
        env.out().println(created.getId());
        return 0;
    }
}
