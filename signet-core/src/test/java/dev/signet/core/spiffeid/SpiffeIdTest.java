package dev.signet.core.spiffeid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** SPIFFE ID rules, spiffe-rules.md §1.A. */
class SpiffeIdTest {
    @Test
    void ID1_parsesSchemeTrustDomainAndPath() {
        SpiffeId id = SpiffeId.parse("spiffe://example.org/ns/default/sa/web");
        assertThat(id.trustDomain().name()).isEqualTo("example.org");
        assertThat(id.path()).isEqualTo("/ns/default/sa/web");
        assertThat(id.toString()).isEqualTo("spiffe://example.org/ns/default/sa/web");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://example.org/a", "SPIFFE://example.org/a", "spiffe:/example.org/a", "example.org/a",
            "spiffe:///a", "spiffe://example.org/a?x=1", "spiffe://example.org/a#f", ""})
    void ID1_rejectsBadSchemeEmptyTrustDomainQueryFragment(String s) {
        assertThatThrownBy(() -> SpiffeId.parse(s)).isInstanceOf(InvalidSpiffeIdException.class).hasMessageContaining("invalid");
    }

    @ParameterizedTest
    @ValueSource(strings = {"spiffe://td:8080/a", "spiffe://user@td/a"})
    void ID2_rejectsPortAndUserinfo(String s) {
        assertThatThrownBy(() -> SpiffeId.parse(s)).isInstanceOf(InvalidSpiffeIdException.class);
    }

    @Test
    void ID3_rejectsUppercaseTrustDomainWithClearMessage() {
        assertThatThrownBy(() -> SpiffeId.parse("spiffe://Example.ORG/a")).hasMessageContaining("lowercase");
        assertThatThrownBy(() -> new TrustDomain("Example.ORG")).hasMessageContaining("lowercase");
    }

    @Test
    void ID4_ipLookingTrustDomainIsAnOrdinaryName() {
        assertThat(SpiffeId.parse("spiffe://10.0.0.1/a").trustDomain().name()).isEqualTo("10.0.0.1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"spiffe://td/a//b", "spiffe://td/a/./b", "spiffe://td/a/../b", "spiffe://td/a/", "spiffe://td/a%2Fb",
            "spiffe://td/a b", "spiffe://td/ä", "spiffe://td/", "spiffe://td/."})
    void ID5_rejectsBadPaths(String s) {
        assertThatThrownBy(() -> SpiffeId.parse(s)).isInstanceOf(InvalidSpiffeIdException.class).hasMessageContaining("path");
    }

    @Test
    void ID6_acceptsExactly2048BytesAndRefuses2049() {
        String prefix = "spiffe://td/";
        String ok = prefix + "a".repeat(2048 - prefix.length());
        assertThat(SpiffeId.parse(ok).toString()).hasSize(2048);
        assertThatThrownBy(() -> SpiffeId.parse(ok + "a")).hasMessageContaining("2048");
        assertThatThrownBy(() -> new TrustDomain("a".repeat(256))).hasMessageContaining("255");
        assertThat(new TrustDomain("a".repeat(255)).name()).hasSize(255);
    }

    @Test
    void ID7_pathIsCaseSensitive() {
        assertThat(SpiffeId.parse("spiffe://td/Foo")).isNotEqualTo(SpiffeId.parse("spiffe://td/foo"));
    }

    @Test
    void trustDomainParsesNameOrId() {
        assertThat(TrustDomain.parse("spiffe://example.org/x")).isEqualTo(new TrustDomain("example.org"));
        assertThat(TrustDomain.parse("example.org").idString()).isEqualTo("spiffe://example.org");
    }

    @Test
    void reservedNamespace() {
        TrustDomain td = new TrustDomain("td");
        assertThat(ReservedIds.isReserved(SpiffeId.parse("spiffe://td/signet/x"))).isTrue();
        assertThat(ReservedIds.isReserved(SpiffeId.parse("spiffe://td/signet"))).isTrue();
        assertThat(ReservedIds.isReserved(SpiffeId.parse("spiffe://td/signets"))).isFalse();
        assertThat(ReservedIds.agent(td, "join_token", "abc").toString()).isEqualTo("spiffe://td/signet/agent/join_token/abc");
        assertThat(ReservedIds.isAgent(ReservedIds.agent(td, "join_token", "abc"))).isTrue();
        assertThat(ReservedIds.isAgent(ReservedIds.server(td))).isFalse();
    }
}
