package dev.signet.cli.intention;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.TextBlock;
import dev.signet.proto.intention.v1.Action;
import dev.signet.proto.intention.v1.Intention;

/** How intentions print. */
final class IntentionView {
    private IntentionView() {}

    static String action(Action a) {
        return switch (a) {
            case ACTION_ALLOW -> "allow";
            case ACTION_DENY -> "deny";
            default -> "unspecified";
        };
    }

    static TextBlock text(Intention i) {
        TextBlock b = new TextBlock()
                .line("ID", i.getId())
                .line("Source", i.getSource())
                .line("Destination", i.getDestination())
                .line("Action", action(i.getAction()))
                .line("Precedence", i.getPrecedence());
        if (!i.getDescription().isEmpty()) {
            b.line("Description", i.getDescription());
        }
        return b.line("Created at", TextBlock.time(i.getCreatedAtUnix()))
                .line("Updated at", TextBlock.time(i.getUpdatedAtUnix()));
    }

    static ObjectNode json(Intention i) {
        ObjectNode o = Json.object();
        o.put("id", i.getId());
        o.put("source", i.getSource());
        o.put("destination", i.getDestination());
        o.put("action", action(i.getAction()));
        o.put("precedence", i.getPrecedence());
        o.put("description", i.getDescription());
        o.put("created_at", Json.time(i.getCreatedAtUnix()));
        o.put("updated_at", Json.time(i.getUpdatedAtUnix()));
        return o;
    }
}
