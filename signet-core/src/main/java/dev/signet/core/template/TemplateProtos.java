package dev.signet.core.template;

import dev.signet.core.registration.EntryProtos;
import dev.signet.proto.template.v1.Template;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;

/** Converts identity templates to and from {@code signet.template.v1.Template}. */
public final class TemplateProtos {
    private TemplateProtos() {}

    public static Template toProto(IdentityTemplate t) {
        Template.Builder b = Template.newBuilder()
                .setId(t.id() == null ? "" : t.id())
                .setSpiffeIdTemplate(t.template())
                .setAnyNode(t.nodeSelectors().isEmpty())
                .setX509TtlSeconds(t.x509Ttl() == null ? 0 : (int) Math.min(Integer.MAX_VALUE, t.x509Ttl().toSeconds()))
                .setJwtTtlSeconds(t.jwtTtl() == null ? 0 : (int) Math.min(Integer.MAX_VALUE, t.jwtTtl().toSeconds()))
                .addAllDnsNames(t.dnsNames())
                .setHint(t.hint())
                .setCreatedAtUnix(t.createdAt() == null ? 0 : t.createdAt().getEpochSecond());
        t.selectors().forEach(s -> b.addSelectors(EntryProtos.toProto(s)));
        t.nodeSelectors().forEach(s -> b.addNodeSelectors(EntryProtos.toProto(s)));
        return b.build();
    }

    /**
     * Reads a template from the wire, validating syntax; exactly one of node selectors or any-node.
     *
     * @throws IllegalArgumentException naming the field that is wrong
     */
    public static IdentityTemplate fromProto(Template p) {
        if ((p.getNodeSelectorsCount() > 0) == p.getAnyNode()) {
            throw new IllegalArgumentException("node_selectors: exactly one of node selectors or any-node must be given");
        }
        if (p.getX509TtlSeconds() < 0) {
            throw new IllegalArgumentException("x509_ttl: must not be negative");
        }
        if (p.getJwtTtlSeconds() < 0) {
            throw new IllegalArgumentException("jwt_ttl: must not be negative");
        }
        return new IdentityTemplate(
                p.getId().isEmpty() ? null : p.getId(),
                p.getSpiffeIdTemplate(),
                EntryProtos.selectors(p.getSelectorsList(), "selectors"),
                EntryProtos.selectors(p.getNodeSelectorsList(), "node_selectors"),
                p.getX509TtlSeconds() == 0 ? null : Duration.ofSeconds(p.getX509TtlSeconds()),
                p.getJwtTtlSeconds() == 0 ? null : Duration.ofSeconds(p.getJwtTtlSeconds()),
                new ArrayList<>(p.getDnsNamesList()),
                p.getHint(),
                p.getCreatedAtUnix() == 0 ? null : Instant.ofEpochSecond(p.getCreatedAtUnix()));
    }
}
