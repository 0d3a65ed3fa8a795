package dev.signet.core.intention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Consul's precedence (reference §2) as a table: intentions, caller, destination → decision and who decided. */
class IntentionsTest {
    private static final TrustDomain TD = new TrustDomain("example.org");

    /** "src>dst:allow" items separated by ';'. */
    private static List<Intention> set(String spec) {
        List<Intention> out = new ArrayList<>();
        if (spec.isBlank()) {
            return out;
        }
        for (String item : spec.split(";")) {
            String[] sd = item.strip().split(">");
            String[] da = sd[1].split(":");
            out.add(new Intention(item.strip(), IntentionSource.parse(sd[0]), IntentionDestination.parse(da[0]),
                    Action.parse(da[1]), "", null, null));
        }
        return out;
    }

    private static Caller caller(String s) {
        return s.startsWith("spiffe://") ? Caller.of(SpiffeId.parse(s), TD) : Caller.service(s);
    }

    static Stream<Arguments> table() {
        String web = "spiffe://example.org/ns/default/dc/dc1/svc/web";
        String webProd = "spiffe://example.org/ns/prod/dc/dc1/svc/web";
        String ext = "spiffe://other.org/billing";
        return Stream.of(
                // intentions; caller; destination; default; expected decision; deciding intention ("" = default)
                Arguments.of("", web, "db", "deny", false, ""),
                Arguments.of("", web, "db", "allow", true, ""),
                Arguments.of("web>db:allow", web, "db", "deny", true, "web>db:allow"),
                Arguments.of("web>db:allow", web, "api", "deny", false, ""),
                Arguments.of("web>db:deny", web, "db", "allow", false, "web>db:deny"),
                // 9 beats 8 beats 7: exact source before ns wildcard before *
                Arguments.of("*>db:deny; web>db:allow", web, "db", "deny", true, "web>db:allow"),
                Arguments.of("*>db:allow; default/*>db:deny", web, "db", "allow", false, "default/*>db:deny"),
                Arguments.of("default/*>db:deny; web>db:allow", web, "db", "deny", true, "web>db:allow"),
                // exact destination beats wildcard destination even with a wildcard source (7 > 6)
                Arguments.of("web>*:deny; *>db:allow", web, "db", "deny", true, "*>db:allow"),
                Arguments.of("web>default/*:allow; *>*:deny", web, "db", "deny", true, "web>default/*:allow"),
                Arguments.of("*>*:allow; web>*:deny", web, "db", "allow", false, "web>*:deny"),
                Arguments.of("*>*:allow", web, "db", "deny", true, "*>*:allow"),
                // namespaces: default/web is not prod/web
                Arguments.of("web>db:allow", webProd, "db", "deny", false, ""),
                Arguments.of("prod/web>db:allow", webProd, "db", "deny", true, "prod/web>db:allow"),
                Arguments.of("web>prod/db:allow", web, "db", "deny", false, ""),
                Arguments.of("web>prod/db:allow", web, "prod/db", "deny", true, "web>prod/db:allow"),
                // deny wins ties at equal precedence (ns wildcard vs trust domain: both +1)
                Arguments.of("default/*>db:allow; spiffe://example.org>db:deny", web, "db", "allow", false,
                        "spiffe://example.org>db:deny"),
                Arguments.of("web>db:allow; " + web + ">db:deny", web, "db", "allow", false, web + ">db:deny"),
                // external IDs: only SPIFFE-ID, trust-domain and * sources match
                Arguments.of("billing>db:allow", ext, "db", "deny", false, ""),
                Arguments.of(ext + ">db:allow", ext, "db", "deny", true, ext + ">db:allow"),
                Arguments.of("spiffe://other.org>db:allow", ext, "db", "deny", true, "spiffe://other.org>db:allow"),
                Arguments.of("spiffe://other.org>db:allow; " + ext + ">db:deny", ext, "db", "allow", false, ext + ">db:deny"),
                Arguments.of("spiffe://third.org>db:allow", ext, "db", "deny", false, ""),
                Arguments.of("*>db:allow", ext, "db", "deny", true, "*>db:allow"),
                Arguments.of("default/*>db:allow", ext, "db", "deny", false, ""),
                // an own-domain ID that is not a Consul service ID has no service name
                Arguments.of("web>db:allow", "spiffe://example.org/web", "db", "deny", false, ""),
                // a service-format ID of another trust domain is external, not the service
                Arguments.of("web>db:allow", "spiffe://other.org/ns/default/dc/dc1/svc/web", "db", "deny", false, ""),
                // callers named as services (intention check web db)
                Arguments.of("web>db:allow", "web", "db", "deny", true, "web>db:allow"),
                Arguments.of("spiffe://example.org>db:allow", "web", "db", "deny", false, ""));
    }

    @ParameterizedTest(name = "[{index}] {0} | {1} -> {2} (default {3})")
    @MethodSource("table")
    void precedence(String intentions, String caller, String destination, String defaultPolicy, boolean allowed,
            String decidedBy) {
        IntentionDestination d = IntentionDestination.parse(destination);
        Decision decision = new Intentions(set(intentions), Action.parse(defaultPolicy)).decide(caller(caller), d.namespace(), d.name());
        assertThat(decision.allowed()).as(decision.reason()).isEqualTo(allowed);
        if (decidedBy.isEmpty()) {
            assertThat(decision.decidedBy()).isNull();
            assertThat(decision.reason()).contains("default_intention_policy is " + defaultPolicy);
        } else {
            assertThat(decision.decidedBy()).isNotNull();
            assertThat(decision.decidedBy().id()).isEqualTo(decidedBy);
        }
    }

    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @CsvSource(delimiter = '|', value = {
        "web         | db        | 9",
        "default/*   | db        | 8",
        "*           | db        | 7",
        "web         | default/* | 6",
        "default/*   | default/* | 5",
        "*           | default/* | 4",
        "web         | *         | 3",
        "default/*   | *         | 2",
        "*           | *         | 1",
        "spiffe://o.org/x | db   | 9",
        "spiffe://o.org   | db   | 8",
        "spiffe://o.org   | *    | 2"})
    void precedenceNumbersAreConsuls(String source, String destination, int precedence) {
        assertThat(Intention.of(source, destination, Action.ALLOW, "").precedence()).isEqualTo(precedence);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "web | web", "default/web | web", "prod/web | prod/web", "prod/* | prod/*", "* | *", "*/* | *",
        "spiffe://other.org | spiffe://other.org", "spiffe://other.org/a/b | spiffe://other.org/a/b"})
    void sourcesHaveOneCanonicalText(String in, String canonical) {
        assertThat(IntentionSource.parse(in).toString()).isEqualTo(canonical);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''            | is required",
        "a/b/c         | more than one '/'",
        "-web          | not a valid name",
        "spiffe://Bad.org | not a valid SPIFFE ID",
        "web!          | not a valid name"})
    void invalidSourcesSayWhy(String in, String message) {
        assertThatThrownBy(() -> IntentionSource.parse(in)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    @Test
    void destinationsAreServicesOnly() {
        assertThat(IntentionDestination.parse("db").toString()).isEqualTo("db");
        assertThat(IntentionDestination.parse("default/db").toString()).isEqualTo("db");
        assertThat(IntentionDestination.parse("*").toString()).isEqualTo("*");
        assertThatThrownBy(() -> IntentionDestination.parse("spiffe://example.org/db")).hasMessageContaining("not a SPIFFE ID");
        assertThatThrownBy(() -> IntentionDestination.parse("")).hasMessageContaining("is required");
        assertThatThrownBy(() -> IntentionDestination.parse("*/db")).hasMessageContaining("namespace \"*\" is not a valid name");
    }

    @Test
    void listingsAreByPrecedenceThenDenyFirst() {
        Intentions set = new Intentions(set("*>*:allow; web>db:allow; web>db2:deny; *>db:deny"), Action.DENY);
        assertThat(set.all()).extracting(Intention::id)
                .containsExactly("web>db2:deny", "web>db:allow", "*>db:deny", "*>*:allow");
    }

    @Test
    void descriptionsAreBounded() {
        assertThatThrownBy(() -> Intention.of("web", "db", Action.ALLOW, "x".repeat(Intention.MAX_DESCRIPTION + 1)))
                .hasMessageContaining("is longer than");
    }
}
