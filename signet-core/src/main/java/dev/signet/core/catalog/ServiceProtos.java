package dev.signet.core.catalog;

import dev.signet.core.registration.EntryProtos;
import dev.signet.core.selector.Selector;
import dev.signet.proto.catalog.v1.SelectorSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/** Converts {@link ServiceDefinition}s to and from {@code signet.catalog.v1.ServiceDefinition}. */
public final class ServiceProtos {
    private ServiceProtos() {}

    public static dev.signet.proto.catalog.v1.ServiceDefinition toProto(ServiceDefinition d) {
        var b = dev.signet.proto.catalog.v1.ServiceDefinition.newBuilder()
                .setName(d.name())
                .setNamespace(d.namespace())
                .setPartition(d.partition())
                .setDatacenter(d.datacenter())
                .addAllTags(d.tags())
                .putAllMeta(d.meta())
                .setPort(d.port())
                .setX509TtlSeconds(seconds(d.x509Ttl()))
                .setJwtTtlSeconds(seconds(d.jwtTtl()))
                .addAllDnsNames(d.dnsNames())
                .setHint(d.hint());
        for (SortedSet<Selector> set : d.workloadSelectors()) {
            SelectorSet.Builder s = SelectorSet.newBuilder();
            set.forEach(x -> s.addSelectors(EntryProtos.toProto(x)));
            b.addWorkloadSelectors(s);
        }
        d.nodeSelectors().forEach(x -> b.addNodeSelectors(EntryProtos.toProto(x)));
        return b.build();
    }

    /**
     * The definition in {@code p}, with defaults applied but not validated. A malformed selector fails with an
     * {@link IllegalArgumentException} naming the field.
     */
    public static ServiceDefinition fromProto(dev.signet.proto.catalog.v1.ServiceDefinition p) {
        List<SortedSet<Selector>> sets = new ArrayList<>();
        for (int i = 0; i < p.getWorkloadSelectorsCount(); i++) {
            sets.add(selectors("workload_selectors[" + i + "]", p.getWorkloadSelectors(i).getSelectorsList()));
        }
        return new ServiceDefinition(p.getName(), p.getNamespace(), p.getPartition(), p.getDatacenter(), p.getTagsList(),
                p.getMetaMap(), p.getPort(), sets, selectors("node_selectors", p.getNodeSelectorsList()),
                duration(p.getX509TtlSeconds()), duration(p.getJwtTtlSeconds()), p.getDnsNamesList(), p.getHint());
    }

    private static SortedSet<Selector> selectors(String field, List<dev.signet.proto.common.v1.Selector> in) {
        SortedSet<Selector> out = new TreeSet<>();
        for (int i = 0; i < in.size(); i++) {
            try {
                out.add(new Selector(in.get(i).getType(), in.get(i).getValue()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(field + "[" + i + "]: " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static int seconds(Duration d) {
        return d == null ? 0 : (int) Math.min(Integer.MAX_VALUE, d.getSeconds());
    }

    private static Duration duration(int seconds) {
        return seconds == 0 ? null : Duration.ofSeconds(seconds);
    }
}
