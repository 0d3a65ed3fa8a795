package dev.signet.cli.entry;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.TextBlock;
import dev.signet.core.config.Durations;
import dev.signet.proto.common.v1.Entry;
import dev.signet.proto.common.v1.Selector;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/**
 * How entries print. JSON field names are a stable contract for scripts: every field is always
 * present, with {@code parent_id} null, {@code node_selectors} empty and {@code any_node} false for the
 * parent kinds not in use.
 */
final class EntryView {
    private EntryView() {}

    static ObjectNode toJson(Entry e) {
        ObjectNode o = Json.object();
        o.put("id", e.getId());
        o.put("spiffe_id", e.getSpiffeId());
        o.put("parent_id", e.getParentId().isEmpty() ? null : e.getParentId());
        putSelectors(o.putArray("node_selectors"), e.getNodeSelectorsList());
        o.put("any_node", e.getAnyNode());
        putSelectors(o.putArray("selectors"), e.getSelectorsList());
        o.put("x509_ttl_seconds", e.getX509TtlSeconds());
        o.put("jwt_ttl_seconds", e.getJwtTtlSeconds());
        ArrayNode dns = o.putArray("dns_names");
        e.getDnsNamesList().forEach(dns::add);
        o.put("hint", e.getHint());
        o.put("revision", e.getRevision());
        o.put("created_at", Json.time(e.getCreatedAtUnix()));
        return o;
    }

    static ArrayNode toJson(List<Entry> entries) {
        ArrayNode arr = Json.array();
        entries.forEach(e -> arr.add(toJson(e)));
        return arr;
    }

    static TextBlock text(Entry e) {
        TextBlock b = new TextBlock()
                .line("Entry ID", e.getId())
                .line("SPIFFE ID", e.getSpiffeId());
        if (!e.getParentId().isEmpty()) {
            b.line("Parent ID", e.getParentId());
        }
        for (Selector s : e.getNodeSelectorsList()) {
            b.line("Node selector", s.getType() + ":" + s.getValue());
        }
        if (e.getAnyNode()) {
            b.line("Any node", "true");
        }
        b.line("Revision", e.getRevision())
                .line("X509-SVID TTL", e.getX509TtlSeconds() == 0 ? "default"
                        : Durations.format(Duration.ofSeconds(e.getX509TtlSeconds())))
                .line("JWT-SVID TTL", e.getJwtTtlSeconds() == 0 ? "default"
                        : Durations.format(Duration.ofSeconds(e.getJwtTtlSeconds())));
        for (Selector s : e.getSelectorsList()) {
            b.line("Selector", s.getType() + ":" + s.getValue());
        }
        for (String d : e.getDnsNamesList()) {
            b.line("DNS name", d);
        }
        if (!e.getHint().isEmpty()) {
            b.line("Hint", e.getHint());
        }
        return b.line("Created at", TextBlock.time(e.getCreatedAtUnix()));
    }

    /** SPIRE-style list: a count line, then one block per entry, separated by blank lines. */
    static void printText(PrintStream out, List<Entry> entries) {
        out.println("Found " + entries.size() + (entries.size() == 1 ? " entry" : " entries"));
        for (Entry e : entries) {
            out.println();
            text(e).print(out);
        }
    }

    private static void putSelectors(ArrayNode arr, List<Selector> selectors) {
        selectors.forEach(s -> arr.add(s.getType() + ":" + s.getValue()));
    }
}
