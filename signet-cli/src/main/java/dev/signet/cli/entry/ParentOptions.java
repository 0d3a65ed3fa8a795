package dev.signet.cli.entry;

import dev.signet.cli.common.FlagValues;
import dev.signet.core.registration.EntryProtos;
import dev.signet.proto.common.v1.Entry;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Where an entry may be served: exactly one of {@code --parent-id}, {@code --node-selector} (repeatable,
 * all must match) or {@code --any-node}. Checked by hand rather than with a picocli argument group so
 * the message names the flags the way the rest of the CLI does.
 */
public final class ParentOptions {
    static final String RULE = "give exactly one of --parent-id, --node-selector or --any-node";

    @Option(names = "--parent-id", paramLabel = "ID",
            description = "Serve the entry only to the agent with this SPIFFE ID.")
    String parentId;

    @Option(names = "--node-selector", paramLabel = "TYPE:VALUE",
            description = "Serve the entry to every agent attested with all of these selectors (repeatable).")
    List<String> nodeSelectors;

    @Option(names = "--any-node", description = "Serve the entry to every agent of the trust domain.")
    boolean anyNode;

    /** True if any parent flag was given. */
    boolean given() {
        return parentId != null || nodeSelectors != null || anyNode;
    }

    /**
     * Validates the parent flags and sets the chosen parent on {@code b}, clearing the other two.
     *
     * @throws ParameterException if not exactly one kind of parent was given, or a value is malformed
     */
    void apply(CommandSpec spec, Entry.Builder b) {
        int kinds = (parentId != null ? 1 : 0) + (nodeSelectors != null ? 1 : 0) + (anyNode ? 1 : 0);
        if (kinds == 0) {
            throw new ParameterException(spec.commandLine(), "missing parent: " + RULE);
        }
        if (kinds > 1) {
            throw new ParameterException(spec.commandLine(), "conflicting parents: " + given(kinds) + " " + RULE);
        }
        b.clearParentId().clearNodeSelectors().clearAnyNode();
        if (parentId != null) {
            b.setParentId(FlagValues.spiffeId(spec, "--parent-id", parentId).toString());
        } else if (nodeSelectors != null) {
            FlagValues.selectors(spec, "--node-selector", nodeSelectors)
                    .forEach(s -> b.addNodeSelectors(EntryProtos.toProto(s)));
        } else {
            b.setAnyNode(true);
        }
    }

    private String given(int kinds) {
        StringBuilder sb = new StringBuilder();
        if (parentId != null) {
            sb.append("--parent-id");
        }
        if (nodeSelectors != null) {
            sb.append(sb.length() > 0 ? (anyNode ? ", " : " and ") : "").append("--node-selector");
        }
        if (anyNode) {
            sb.append(sb.length() > 0 ? " and " : "").append("--any-node");
        }
        return sb + (kinds == 2 ? " were both given;" : " were all given;");
    }
}
