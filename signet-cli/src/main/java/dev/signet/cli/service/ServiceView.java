package dev.signet.cli.service;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.TextBlock;
import dev.signet.proto.catalog.v1.SelectorSet;
import dev.signet.proto.catalog.v1.Service;
import dev.signet.proto.catalog.v1.ServiceDefinition;
import dev.signet.proto.common.v1.Selector;
import java.io.PrintStream;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** How services print: text blocks, or JSON in Consul's casing. */
final class ServiceView {
    private ServiceView() {}

    static String selectors(List<Selector> list) {
        return list.stream().map(s -> s.getType() + ":" + s.getValue()).collect(Collectors.joining(" AND "));
    }

    static TextBlock text(Service s) {
        ServiceDefinition d = s.getDefinition();
        TextBlock b = new TextBlock()
                .line("Name", d.getName())
                .line("Namespace", d.getNamespace())
                .line("Partition", d.getPartition())
                .line("Datacenter", d.getDatacenter())
                .line("SPIFFE ID", s.getSpiffeId());
        if (d.getPort() != 0) {
            b.line("Port", d.getPort());
        }
        if (d.getTagsCount() > 0) {
            b.line("Tags", String.join(", ", d.getTagsList()));
        }
        new TreeMap<>(d.getMetaMap()).forEach((k, v) -> b.line("Meta", k + "=" + v));
        for (SelectorSet set : d.getWorkloadSelectorsList()) {
            b.line("Workload selectors", selectors(set.getSelectorsList()));
        }
        b.line("Node selectors", d.getNodeSelectorsCount() == 0 ? "(any node)" : selectors(d.getNodeSelectorsList()));
        if (d.getX509TtlSeconds() != 0) {
            b.line("X509-SVID TTL", d.getX509TtlSeconds() + "s");
        }
        if (d.getJwtTtlSeconds() != 0) {
            b.line("JWT-SVID TTL", d.getJwtTtlSeconds() + "s");
        }
        d.getDnsNamesList().forEach(n -> b.line("DNS name", n));
        if (!d.getHint().isEmpty()) {
            b.line("Hint", d.getHint());
        }
        b.line("Entries", String.join(", ", s.getEntryIdsList()));
        b.line("Revision", s.getRevision());
        b.line("Updated", TextBlock.time(s.getUpdatedAtUnix()));
        return b;
    }

    static void printText(PrintStream out, List<Service> services) {
        if (services.isEmpty()) {
            out.println("No services.");
            return;
        }
        for (int i = 0; i < services.size(); i++) {
            if (i > 0) {
                out.println();
            }
            text(services.get(i)).print(out);
        }
    }

    static ObjectNode toJson(Service s) {
        ServiceDefinition d = s.getDefinition();
        ObjectNode o = Json.object();
        o.put("Name", d.getName());
        o.put("Namespace", d.getNamespace());
        o.put("Partition", d.getPartition());
        o.put("Datacenter", d.getDatacenter());
        o.put("SpiffeID", s.getSpiffeId());
        ArrayNode tags = o.putArray("Tags");
        d.getTagsList().forEach(tags::add);
        ObjectNode meta = o.putObject("Meta");
        new TreeMap<>(d.getMetaMap()).forEach(meta::put);
        o.put("Port", d.getPort());
        ArrayNode sets = o.putArray("WorkloadSelectors");
        for (SelectorSet set : d.getWorkloadSelectorsList()) {
            ArrayNode a = sets.addArray();
            set.getSelectorsList().forEach(x -> a.add(x.getType() + ":" + x.getValue()));
        }
        ArrayNode nodes = o.putArray("NodeSelectors");
        d.getNodeSelectorsList().forEach(x -> nodes.add(x.getType() + ":" + x.getValue()));
        o.put("X509TTLSeconds", d.getX509TtlSeconds());
        o.put("JWTTTLSeconds", d.getJwtTtlSeconds());
        ArrayNode dns = o.putArray("DNSNames");
        d.getDnsNamesList().forEach(dns::add);
        o.put("Hint", d.getHint());
        ArrayNode ids = o.putArray("EntryIDs");
        s.getEntryIdsList().forEach(ids::add);
        o.put("Revision", s.getRevision());
        o.put("CreatedAt", Json.time(s.getCreatedAtUnix()));
        o.put("UpdatedAt", Json.time(s.getUpdatedAtUnix()));
        return o;
    }

    static ArrayNode toJson(List<Service> services) {
        ArrayNode a = Json.array();
        services.forEach(s -> a.add(toJson(s)));
        return a;
    }
}
