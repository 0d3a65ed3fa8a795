package dev.signet.cli.template;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.TextBlock;
import dev.signet.proto.common.v1.Selector;
import dev.signet.proto.template.v1.Template;
import java.util.List;

/** How templates print. JSON field names are a stable contract: every field is always present. */
final class TemplateView {
    private TemplateView() {}

    static ObjectNode json(Template t) {
        ObjectNode o = Json.object();
        o.put("id", t.getId());
        o.put("spiffe_id_template", t.getSpiffeIdTemplate());
        selectors(o.putArray("selectors"), t.getSelectorsList());
        selectors(o.putArray("node_selectors"), t.getNodeSelectorsList());
        o.put("any_node", t.getAnyNode());
        o.put("x509_ttl_seconds", t.getX509TtlSeconds());
        o.put("jwt_ttl_seconds", t.getJwtTtlSeconds());
        ArrayNode dns = o.putArray("dns_names");
        t.getDnsNamesList().forEach(dns::add);
        o.put("hint", t.getHint());
        o.put("created_at", Json.time(t.getCreatedAtUnix()));
        return o;
    }

    static TextBlock text(Template t) {
        TextBlock b = new TextBlock()
                .line("ID", t.getId())
                .line("Template", t.getSpiffeIdTemplate())
                .line("Nodes", t.getAnyNode() ? "any node" : join(t.getNodeSelectorsList()));
        if (t.getSelectorsCount() > 0) {
            b.line("Selectors", join(t.getSelectorsList()));
        }
        if (t.getX509TtlSeconds() > 0) {
            b.line("X509-SVID TTL", t.getX509TtlSeconds() + "s");
        }
        if (t.getDnsNamesCount() > 0) {
            b.line("DNS names", String.join(", ", t.getDnsNamesList()));
        }
        if (!t.getHint().isEmpty()) {
            b.line("Hint", t.getHint());
        }
        return b.line("Created", TextBlock.time(t.getCreatedAtUnix()));
    }

    private static String join(List<Selector> l) {
        return String.join(", ", l.stream().map(s -> s.getType() + ":" + s.getValue()).toList());
    }

    private static void selectors(ArrayNode arr, List<Selector> l) {
        l.forEach(s -> arr.add(s.getType() + ":" + s.getValue()));
    }
}
