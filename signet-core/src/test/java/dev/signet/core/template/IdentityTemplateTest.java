package dev.signet.core.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class IdentityTemplateTest {
    private static IdentityTemplate template(String t, String... fixed) {
        return new IdentityTemplate(null, t, new TreeSet<>(Arrays.stream(fixed).map(Selector::parse).toList()),
                null, null, null, null, null, null);
    }

    private static Set<Selector> sel(String list) {
        return list.isEmpty() ? Set.of() : Arrays.stream(list.split(",")).map(Selector::parse).collect(Collectors.toSet());
    }

    @ParameterizedTest(name = "{0} with [{1}] -> {2}")
    @CsvSource(delimiter = '|', value = {
            "spiffe://example.org/user/{unix:user}|unix:user:alice,unix:uid:1000|spiffe://example.org/user/alice",
            "spiffe://example.org/uid/{unix:uid}|unix:uid:1000,unix:gid:10|spiffe://example.org/uid/1000",
            "spiffe://example.org/ns/{k8s:ns}/sa/{k8s:sa}|k8s:ns:prod,k8s:sa:web|spiffe://example.org/ns/prod/sa/web",
            "spiffe://example.org/ns/{k8s:ns}/sa/{k8s:sa}|k8s:ns:prod|",                 // missing selector
            "spiffe://example.org/user/{unix:user}|unix:uid:1000|",                        // missing selector
            "spiffe://example.org/user/{unix:user}|unix:user:a b|",                        // invalid segment
            "spiffe://example.org/user/{unix:user}|unix:user:..|",
            "spiffe://example.org/user/{unix:user}|unix:user:.|",
            "spiffe://example.org/user/{unix:user}|unix:user:a/b|",
            "spiffe://example.org/user/{unix:user}|unix:user:|",                           // empty value
            "spiffe://example.org/user/{unix:user}|unix:user:a%2Fb|",
            "spiffe://example.org/gid/{unix:supplementary_gid}|unix:supplementary_gid:10,unix:supplementary_gid:20|", // multi-valued
            "spiffe://example.org/gid/{unix:supplementary_gid}|unix:supplementary_gid:10|spiffe://example.org/gid/10",
            "spiffe://example.org/{unix:user}|unix:user:signet|",                          // would be reserved
            "spiffe://example.org/x/{unix:user}|other:user:alice|",                        // wrong type
    })
    void derives(String t, String selectors, String expected) {
        Optional<SpiffeId> got = template(t).derive(sel(selectors));
        if (expected == null) {
            assertThat(got).isEmpty();
        } else {
            assertThat(got).contains(SpiffeId.parse(expected));
            assertThat(template(t).matches(got.get())).isTrue();
        }
    }

    @Test
    void emptyValueGivesNothing() {
        // "unix:user:" has an empty value after the key: the selector "user:" itself is valid
        assertThat(template("spiffe://example.org/user/{unix:user}").derive(Set.of(new Selector("unix", "user:")))).isEmpty();
    }

    @Test
    void fixedSelectorsMustAlsoMatch() {
        IdentityTemplate t = template("spiffe://example.org/user/{unix:user}", "unix:gid:100");
        assertThat(t.derive(sel("unix:user:alice"))).isEmpty();
        assertThat(t.derive(sel("unix:user:alice,unix:gid:100"))).contains(SpiffeId.parse("spiffe://example.org/user/alice"));
    }

    @Test
    void tooLongIsNothing() {
        String v = "a".repeat(1000);
        IdentityTemplate t = template("spiffe://example.org/{a:x}/{b:y}/{c:z}");
        assertThat(t.derive(Set.of(new Selector("a", "x:" + v), new Selector("b", "y:" + v), new Selector("c", "z:" + v)))).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "spiffe://example.org/ns/{k8s:ns}/sa/{k8s:sa}|spiffe://example.org/ns/prod/sa/web|true",
            "spiffe://example.org/ns/{k8s:ns}/sa/{k8s:sa}|spiffe://example.org/ns/prod/sa/web/x|false",
            "spiffe://example.org/ns/{k8s:ns}/sa/{k8s:sa}|spiffe://example.org/ns/prod|false",
            "spiffe://example.org/ns/{k8s:ns}/sa/{k8s:sa}|spiffe://example.org/nx/prod/sa/web|false",
            "spiffe://example.org/ns/{k8s:ns}/sa/{k8s:sa}|spiffe://other.org/ns/prod/sa/web|false",
            "spiffe://example.org/{unix:user}|spiffe://example.org/signet|false",
            "spiffe://example.org/{unix:user}|spiffe://example.org/alice|true",
    })
    void matches(String t, String id, boolean expected) {
        assertThat(template(t).matches(SpiffeId.parse(id))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "spiffe://example.org/signet/{unix:user}|reserved",
            "spiffe://example.org/user/alice|no placeholder",
            "spiffe://example.org|must have a path",
            "spiffe://example.org/|must have a path",
            "http://example.org/{unix:user}|spiffe://",
            "spiffe://example.org/user-{unix:user}|whole path segment",
            "spiffe://example.org/{unix}|{type:key}",
            "spiffe://example.org/{Unix:user}|type may hold",
            "spiffe://example.org/a//{unix:user}|empty",
            "spiffe://example.org/../{unix:user}|'..'",
            "spiffe://Example.org/{unix:user}|spiffe_id_template",
    })
    void refusedAtRegistration(String t, String message) {
        assertThatThrownBy(() -> template(t)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("spiffe_id_template").hasMessageContaining(message);
    }

    @Test
    void otherTrustDomainRefused() {
        IdentityTemplate t = template("spiffe://other.org/user/{unix:user}");
        assertThat(t.problemIn(new TrustDomain("example.org"))).contains("other.org");
        assertThat(template("spiffe://example.org/user/{unix:user}").problemIn(new TrustDomain("example.org"))).isNull();
    }
}
