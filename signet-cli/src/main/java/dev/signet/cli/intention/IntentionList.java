package dev.signet.cli.intention;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.proto.intention.v1.Intention;
import dev.signet.proto.intention.v1.ListIntentionsRequest;
import dev.signet.proto.intention.v1.ListIntentionsResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code signet intention list}. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List intentions, highest precedence first, and the server's default policy.")
final class IntentionList implements Callable<Integer> {
    private final CliEnv env;

    @Mixin
    ServerSocketOption socket;

    @Mixin
    OutputOption output;

    IntentionList(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        ListIntentionsResponse r;
        try (IntentionClient client = IntentionClient.connect(socket.resolve(env))) {
            r = client.call(s -> s.list(ListIntentionsRequest.getDefaultInstance()));
        }
        if (output.json()) {
            ObjectNode o = Json.object();
            o.put("default_policy", r.getDefaultPolicy());
            ArrayNode arr = o.putArray("intentions");
            r.getIntentionsList().forEach(i -> arr.add(IntentionView.json(i)));
            Json.print(env.out(), o);
            return 0;
        }
        int n = r.getIntentionsCount();
        env.out().println("Found " + n + (n == 1 ? " intention" : " intentions") + "; default policy: " + r.getDefaultPolicy());
        for (Intention i : r.getIntentionsList()) {
            env.out().println();
            IntentionView.text(i).print(env.out());
        }
        return 0;
    }
}
