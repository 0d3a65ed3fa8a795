package dev.signet.cli.template;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.proto.template.v1.ListTemplatesRequest;
import dev.signet.proto.template.v1.ListTemplatesResponse;
import dev.signet.proto.template.v1.Template;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code signet template list}. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List identity templates.")
final class TemplateList implements Callable<Integer> {
    private final CliEnv env;

    @Mixin
    ServerSocketOption socket;

    @Mixin
    OutputOption output;

    TemplateList(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        ListTemplatesResponse r;
        try (TemplateClient client = TemplateClient.connect(socket.resolve(env))) {
            r = client.call(s -> s.list(ListTemplatesRequest.getDefaultInstance()));
        }
        if (output.json()) {
            ObjectNode o = Json.object();
            ArrayNode arr = o.putArray("templates");
            r.getTemplatesList().forEach(t -> arr.add(TemplateView.json(t)));
            Json.print(env.out(), o);
            return 0;
        }
        int n = r.getTemplatesCount();
        env.out().println("Found " + n + (n == 1 ? " template" : " templates"));
        for (Template t : r.getTemplatesList()) {
            env.out().println();
            TemplateView.text(t).print(env.out());
        }
        return 0;
    }
}
