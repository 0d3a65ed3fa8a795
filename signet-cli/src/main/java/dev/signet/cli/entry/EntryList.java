package dev.signet.cli.entry;

import dev.signet.cli.common.AdminClient;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.FlagValues;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.proto.admin.v1.ListEntriesRequest;
import dev.signet.proto.common.v1.Entry;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signet entry list}. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List registration entries.")
final class EntryList implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Option(names = "--spiffe-id", paramLabel = "ID", description = "Only entries with this SPIFFE ID.")
    String spiffeId;

    @Mixin
    ServerSocketOption socket;

    @Mixin
    OutputOption output;

    EntryList(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        ListEntriesRequest.Builder req = ListEntriesRequest.newBuilder();
        if (spiffeId != null) {
            req.setSpiffeId(FlagValues.spiffeId(spec, "--spiffe-id", spiffeId).toString());
        }
        List<Entry> entries;
        try (AdminClient client = AdminClient.connect(socket.resolve(env))) {
            entries = client.call(s -> s.listEntries(req.build())).getEntriesList();
        }
        if (output.json()) {
            Json.print(env.out(), EntryView.toJson(entries));
        } else {
            EntryView.printText(env.out(), entries);
        }
        return 0;
    }
}
