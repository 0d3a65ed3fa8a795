package dev.signet.core.registration;

import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.proto.common.v1.Entry.Builder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/** Converts entries and selectors between the domain records and the wire messages. */
public final class EntryProtos {
    private EntryProtos() {}

    public static dev.signet.proto.common.v1.Entry toProto(Entry e) {
        Builder b = dev.signet.proto.common.v1.Entry.newBuilder()
                .setId(e.id() == null ? "" : e.id())
                .setSpiffeId(e.spiffeId().toString())
                .setX509TtlSeconds(e.x509Ttl() == null ? 0 : (int) e.x509Ttl().toSeconds())
                .setJwtTtlSeconds(e.jwtTtl() == null ? 0 : (int) Math.min(Integer.MAX_VALUE, e.jwtTtl().toSeconds()))
                .addAllDnsNames(e.dnsNames())
                .setHint(e.hint())
                .setRevision(e.revision())
                .setCreatedAtUnix(e.createdAt() == null ? 0 : e.createdAt().getEpochSecond());
        e.selectors().forEach(s -> b.addSelectors(toProto(s)));
        if (e.parent() instanceof Parent.AgentId a) {
            b.setParentId(a.id().toString());
        } else if (e.parent() instanceof Parent.NodeSelectors ns) {
            ns.selectors().forEach(s -> b.addNodeSelectors(toProto(s)));
        } else {
            b.setAnyNode(true);
        }
        return b.build();
    }

    /**
     * Reads an entry from the wire, validating syntax (SPIFFE IDs, selectors, the parent choice).
     * Policy checks (trust domain, reserved namespace, lengths) are the server's {@code EntryValidator}.
     *
     * @throws IllegalArgumentException naming the field that is wrong
     */
    public static Entry fromProto(dev.signet.proto.common.v1.Entry p) {
        SpiffeId id;
        try {
            id = SpiffeId.parse(p.getSpiffeId());
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("spiffe_id: " + ex.getMessage(), ex);
        }
        int parents = (p.getParentId().isEmpty() ? 0 : 1) + (p.getNodeSelectorsCount() == 0 ? 0 : 1) + (p.getAnyNode() ? 1 : 0);
        if (parents != 1) {
            throw new IllegalArgumentException(
                    "parent: exactly one of parent ID, node selectors or any-node must be given (got " + parents + ")");
        }
        Parent parent;
        if (!p.getParentId().isEmpty()) {
            try {
                parent = new Parent.AgentId(SpiffeId.parse(p.getParentId()));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("parent_id: " + ex.getMessage(), ex);
            }
        } else if (p.getNodeSelectorsCount() > 0) {
            parent = new Parent.NodeSelectors(selectors(p.getNodeSelectorsList(), "node_selectors"));
        } else {
            parent = new Parent.AnyNode();
        }
        if (p.getX509TtlSeconds() < 0) {
            throw new IllegalArgumentException("x509_ttl: must not be negative");
        }
        if (p.getJwtTtlSeconds() < 0) {
            throw new IllegalArgumentException("jwt_ttl: must not be negative");
        }
        return new Entry(
                p.getId().isEmpty() ? null : p.getId(),
                id,
                parent,
                selectors(p.getSelectorsList(), "selectors"),
                p.getX509TtlSeconds() == 0 ? null : Duration.ofSeconds(p.getX509TtlSeconds()),
                new ArrayList<>(p.getDnsNamesList()),
                p.getHint(),
                p.getRevision(),
                p.getCreatedAtUnix() == 0 ? null : Instant.ofEpochSecond(p.getCreatedAtUnix()),
                p.getJwtTtlSeconds() == 0 ? null : Duration.ofSeconds(p.getJwtTtlSeconds()));
    }

    public static dev.signet.proto.common.v1.Selector toProto(Selector s) {
        return dev.signet.proto.common.v1.Selector.newBuilder().setType(s.type()).setValue(s.value()).build();
    }

    public static Selector fromProto(dev.signet.proto.common.v1.Selector s) {
        return new Selector(s.getType(), s.getValue());
    }

    public static SortedSet<Selector> selectors(List<dev.signet.proto.common.v1.Selector> list, String field) {
        SortedSet<Selector> out = new TreeSet<>();
        for (var s : list) {
            try {
                out.add(fromProto(s));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(field + ": " + ex.getMessage(), ex);
            }
        }
        return out;
    }
}
