package dev.signet.cli.intention;

import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.proto.intention.v1.DeleteIntentionRequest;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code signet intention delete ID} or {@code signet intention delete SRC DST}. */
@Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Delete an intention, by ID or by its source and destination.")
final class IntentionDelete implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..2", paramLabel = "ID | SRC DST", description = "The intention's ID, or its source and destination.")
    List<String> args;

    @Mixin
    ServerSocketOption socket;

    IntentionDelete(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        DeleteIntentionRequest.Builder req = DeleteIntentionRequest.newBuilder();
        String what;
        if (args.size() == 1) {
            if (args.get(0).isBlank()) {
                throw new ParameterException(spec.commandLine(), "ID must not be empty");
            }
            req.setId(args.get(0));
            what = args.get(0);
        } else {
            req.setSource(args.get(0)).setDestination(args.get(1));
            what = args.get(0) + " => " + args.get(1);
        }
        try (IntentionClient client = IntentionClient.connect(socket.resolve(env))) {
            client.call(s -> s.delete(req.build()));
        }
        env.out().println("Deleted intention " + what);
        return 0;
    }
}
