package dev.signet.cli.entry;

import dev.signet.cli.common.AdminClient;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.FlagValues;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.core.registration.EntryProtos;
import dev.signet.proto.common.v1.Entry;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code signet entry create}: validates every flag locally (so mistakes are reported without a
 * round trip and name the flag), sends exactly the fields given, and prints the new entry's ID.
 */
@Command(name = "create", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Create a registration entry: workloads matching all --selector values, on the agents "
                + "chosen by --parent-id, --node-selector or --any-node, get the identity --spiffe-id.",
        footer = {"%nExamples:",
            "  signet entry create --spiffe-id spiffe://example.org/web \\",
            "      --any-node --selector unix:uid:1000",
            "  signet entry create --spiffe-id spiffe://example.org/db \\",
            "      --node-selector join_token:label:env:prod \\",
            "      --selector unix:user:postgres --x509-ttl 30m"})
final class EntryCreate implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Option(names = "--spiffe-id", paramLabel = "ID", required = true,
            description = "SPIFFE ID to issue, such as spiffe://example.org/web.")
    String spiffeId;

    @Mixin
    ParentOptions parent;

    @Option(names = "--selector", paramLabel = "TYPE:VALUE",
            description = "Workload selector, such as unix:uid:1000 (repeatable, at least one; all must match).")
    List<String> selectors;

    @Mixin
    DetailOptions details;

    @Mixin
    ServerSocketOption socket;

    @Mixin
    OutputOption output;

    EntryCreate(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        Entry.Builder b = Entry.newBuilder().setSpiffeId(FlagValues.spiffeId(spec, "--spiffe-id", spiffeId).toString());
        parent.apply(spec, b);
        if (selectors == null || selectors.isEmpty()) {
            throw FlagValues.invalid(spec, "--selector", "at least one selector is required, e.g. --selector unix:uid:1000");
        }
        FlagValues.selectors(spec, "--selector", selectors).forEach(s -> b.addSelectors(EntryProtos.toProto(s)));
        details.apply(spec, b);
        Entry request = b.build();

        Entry created;
        try (AdminClient client = AdminClient.connect(socket.resolve(env))) {
            created = client.call(s -> s.createEntry(request));
        }
        if (output.json()) {
            Json.print(env.out(), EntryView.toJson(created));
        } else {
            env.out().println(created.getId());
        }
        return 0;
    }
}
