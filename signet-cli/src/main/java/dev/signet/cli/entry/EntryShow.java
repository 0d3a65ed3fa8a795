package dev.signet.cli.entry;

import dev.signet.cli.common.AdminClient;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.FlagValues;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.proto.admin.v1.EntryRef;
import dev.signet.proto.common.v1.Entry;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signet entry show}. */
@Command(name = "show", mixinStandardHelpOptions = true, description = "Show one registration entry.")
final class EntryShow implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Option(names = "--id", paramLabel = "ENTRY_ID", required = true, description = "ID of the entry.")
    String id;

    @Mixin
    ServerSocketOption socket;

    @Mixin
    OutputOption output;

    EntryShow(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        EntryRef ref = EntryRef.newBuilder().setId(FlagValues.nonBlank(spec, "--id", id)).build();
        Entry entry;
        try (AdminClient client = AdminClient.connect(socket.resolve(env))) {
            entry = client.call(s -> s.getEntry(ref));
        }
        if (output.json()) {
            Json.print(env.out(), EntryView.toJson(entry));
        } else {
            EntryView.text(entry).print(env.out());
        }
        return 0;
    }
}
