package dev.signet.cli.intention;

import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.proto.intention.v1.CheckIntentionRequest;
import dev.signet.proto.intention.v1.CheckIntentionResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code signet intention check SRC DST}: exit 0 and "Allowed", or exit 1 and "Denied" (like consul intention check). */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Check whether SRC may connect to DST. Prints Allowed (exit 0) or Denied (exit 1).",
            "SRC: a service (web, ns/web) or a SPIFFE ID; DST: a service."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:allowed", "1:denied, or the command failed", "2:usage error"})
final class IntentionCheck implements Callable<Integer> {
    private final CliEnv env;

    @Parameters(index = "0", paramLabel = "SRC", description = "Source service or SPIFFE ID.")
    String source;

    @Parameters(index = "1", paramLabel = "DST", description = "Destination service.")
    String destination;

    @Option(names = {"-v", "--verbose"}, description = "Also print which intention (or the default policy) decided.")
    boolean verbose;

    @Mixin
    ServerSocketOption socket;

    IntentionCheck(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        CheckIntentionRequest req = CheckIntentionRequest.newBuilder().setSource(source).setDestination(destination).build();
        CheckIntentionResponse r;
        try (IntentionClient client = IntentionClient.connect(socket.resolve(env))) {
            r = client.call(s -> s.check(req));
        }
        env.out().println(r.getAllowed() ? "Allowed" : "Denied");
        if (verbose) {
            env.out().println(r.getReason());
        }
        return r.getAllowed() ? 0 : 1;
    }
}
