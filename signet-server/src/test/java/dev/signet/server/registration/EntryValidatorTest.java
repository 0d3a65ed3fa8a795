package dev.signet.server.registration;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.registration.Entry;
import dev.signet.core.registration.Parent;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class EntryValidatorTest {
    private final EntryValidator v = new EntryValidator(new TrustDomain("example.org"));

    private static Entry entry(String id, Parent parent, String hint, List<String> dns, Selector... sel) {
        return new Entry(null, SpiffeId.parse(id), parent, new TreeSet<>(List.of(sel)), null, dns, hint, 0, null);
    }

    @Test
    void acceptsAPlainEntry() {
        assertThatCode(() -> v.validate(entry("spiffe://example.org/web", new Parent.AnyNode(), "", List.of("web.local"), Selector.parse("unix:uid:1000"))))
                .doesNotThrowAnyException();
    }

    @Test
    void refusesOtherTrustDomain() {
        assertThatThrownBy(() -> v.validate(entry("spiffe://other.org/web", new Parent.AnyNode(), "", List.of(), Selector.parse("unix:uid:1"))))
                .hasMessageStartingWith("spiffe_id:").hasMessageContaining("not in trust domain");
    }

    @Test
    void X3_refusesRootId() {
        assertThatThrownBy(() -> v.validate(entry("spiffe://example.org", new Parent.AnyNode(), "", List.of(), Selector.parse("unix:uid:1"))))
                .hasMessageStartingWith("spiffe_id:").hasMessageContaining("no path");
    }

    @Test
    void refusesReservedNamespace() {
        assertThatThrownBy(() -> v.validate(entry("spiffe://example.org/signet/agent/x", new Parent.AnyNode(), "", List.of(), Selector.parse("unix:uid:1"))))
                .hasMessageContaining("reserved namespace");
        assertThatCode(() -> v.validate(entry("spiffe://example.org/signetx", new Parent.AnyNode(), "", List.of(), Selector.parse("unix:uid:1"))))
                .doesNotThrowAnyException();
    }

    @Test
    void parentMustBeAnAgentOfThisTrustDomain() {
        assertThatThrownBy(() -> v.validate(entry("spiffe://example.org/web", new Parent.AgentId(SpiffeId.parse("spiffe://example.org/web2")), "", List.of(), Selector.parse("unix:uid:1"))))
                .hasMessageStartingWith("parent_id:");
    }

    @Test
    void needsSelectors() {
        assertThatThrownBy(() -> v.validate(entry("spiffe://example.org/web", new Parent.AnyNode(), "", List.of())))
                .hasMessageStartingWith("selectors:");
    }

    @Test
    void W27_hintOver1024BytesIsRefused() {
        assertThatThrownBy(() -> v.validate(entry("spiffe://example.org/web", new Parent.AnyNode(), "h".repeat(1025), List.of(), Selector.parse("unix:uid:1"))))
                .hasMessageStartingWith("hint:");
        assertThatCode(() -> v.validate(entry("spiffe://example.org/web", new Parent.AnyNode(), "h".repeat(1024), List.of(), Selector.parse("unix:uid:1"))))
                .doesNotThrowAnyException();
    }

    @Test
    void invalidDnsNamesAreRefused() {
        for (String bad : List.of("-a.com", "a..b", "a b", "ä.com", "")) {
            assertThatThrownBy(() -> v.validate(entry("spiffe://example.org/web", new Parent.AnyNode(), "", List.of(bad), Selector.parse("unix:uid:1"))))
                    .as(bad).hasMessageStartingWith("dns_names:");
        }
    }

    @Test
    void jwtTtlIsBetweenOneSecondAnd24HoursWhenSet() {
        Entry e = entry("spiffe://example.org/web", new Parent.AnyNode(), "", List.of(), Selector.parse("unix:uid:1"));
        for (java.time.Duration ok : List.of(java.time.Duration.ofSeconds(1), java.time.Duration.ofMinutes(5), java.time.Duration.ofHours(24))) {
            assertThatCode(() -> v.validate(e.withJwtTtl(ok))).doesNotThrowAnyException();
        }
        assertThatCode(() -> v.validate(e.withJwtTtl(null))).doesNotThrowAnyException();
        for (java.time.Duration bad : List.of(java.time.Duration.ZERO, java.time.Duration.ofSeconds(-1), java.time.Duration.ofHours(24).plusSeconds(1))) {
            assertThatThrownBy(() -> v.validate(e.withJwtTtl(bad))).hasMessageStartingWith("jwt_ttl:");
        }
    }
}
