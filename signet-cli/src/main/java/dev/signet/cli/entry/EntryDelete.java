package dev.signet.cli.entry;

import dev.signet.cli.common.AdminClient;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.FlagValues;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.proto.admin.v1.EntryRef;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signet entry delete}. */
@Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Delete a registration entry. Workloads lose the identity at their next update.")
final class EntryDelete implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Option(names = "--id", paramLabel = "ENTRY_ID", required = true, description = "ID of the entry.")
    String id;

    @Mixin
    ServerSocketOption socket;

    EntryDelete(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        EntryRef ref = EntryRef.newBuilder().setId(FlagValues.nonBlank(spec, "--id", id)).build();
        try (AdminClient client = AdminClient.connect(socket.resolve(env))) {
            client.call(s -> s.deleteEntry(ref));
        }
        env.out().println("Deleted entry " + ref.getId());
        return 0;
    }
}
