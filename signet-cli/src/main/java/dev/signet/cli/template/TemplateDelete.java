package dev.signet.cli.template;

import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.FlagValues;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.proto.template.v1.DeleteTemplateRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signet template delete --id ID}. */
@Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Delete an identity template; agents drop the identities derived from it.")
final class TemplateDelete implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Option(names = "--id", paramLabel = "ID", required = true, description = "The template's ID.")
    String id;

    @Mixin
    ServerSocketOption socket;

    TemplateDelete(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        FlagValues.nonBlank(spec, "--id", id);
        try (TemplateClient client = TemplateClient.connect(socket.resolve(env))) {
            client.call(s -> s.delete(DeleteTemplateRequest.newBuilder().setId(id).build()));
        }
        env.out().println("Deleted template " + id);
        return 0;
    }
}
