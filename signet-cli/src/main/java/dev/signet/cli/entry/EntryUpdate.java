package dev.signet.cli.entry;

import dev.signet.cli.common.AdminClient;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.FlagValues;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.core.registration.EntryProtos;
import dev.signet.proto.admin.v1.EntryRef;
import dev.signet.proto.common.v1.Entry;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code signet entry update}: fetches the entry, changes the fields given, and sends it back with the
 * revision it was read at. Fields not given keep their values, including ones this CLI has no flag for.
 */
@Command(name = "update", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Change a registration entry. Only the fields given change; a repeatable flag "
                + "(--selector, --node-selector, --dns-name) replaces the whole list; a parent flag replaces the parent.",
        footer = {"%nExample:",
            "  signet entry update --id 6f1c... --selector unix:uid:1001 --x509-ttl 1h"})
final class EntryUpdate implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Option(names = "--id", paramLabel = "ENTRY_ID", required = true, description = "ID of the entry to change.")
    String id;

    @Option(names = "--spiffe-id", paramLabel = "ID", description = "New SPIFFE ID.")
    String spiffeId;

    @Mixin
    ParentOptions parent;

    @Option(names = "--selector", paramLabel = "TYPE:VALUE",
            description = "Workload selectors; replaces all of them (repeatable).")
    List<String> selectors;

    @Mixin
    DetailOptions details;

    @Mixin
    ServerSocketOption socket;

    @Mixin
    OutputOption output;

    EntryUpdate(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        String entryId = FlagValues.nonBlank(spec, "--id", id);
        if (spiffeId == null && selectors == null && !parent.given() && !details.given()) {
            throw new ParameterException(spec.commandLine(), "nothing to update: give at least one of --spiffe-id, "
                    + "--parent-id, --node-selector, --any-node, --selector, --x509-ttl, --jwt-ttl, --dns-name or --hint");
        }
        // Validate everything before the first round trip; apply to a scratch builder, then to the real one.
        Entry.Builder changes = Entry.newBuilder();
        apply(changes);

        Entry updated;
        try (AdminClient client = AdminClient.connect(socket.resolve(env))) {
            Entry current = client.call(s -> s.getEntry(EntryRef.newBuilder().setId(entryId).build()));
            Entry.Builder b = current.toBuilder();
            apply(b);
            Entry request = b.build();
            updated = client.call(s -> s.updateEntry(request));
        }
        if (output.json()) {
            Json.print(env.out(), EntryView.toJson(updated));
        } else {
            EntryView.text(updated).print(env.out());
        }
        return 0;
    }

    private void apply(Entry.Builder b) {
        if (spiffeId != null) {
            b.setSpiffeId(FlagValues.spiffeId(spec, "--spiffe-id", spiffeId).toString());
        }
        if (parent.given()) {
            parent.apply(spec, b);
        }
        if (selectors != null) {
            b.clearSelectors();
            FlagValues.selectors(spec, "--selector", selectors).forEach(s -> b.addSelectors(EntryProtos.toProto(s)));
        }
        details.apply(spec, b);
    }
}
