package dev.signet.core.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.config.ConfigException;
import dev.signet.core.registration.Entry;
import dev.signet.core.registration.Parent;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.TrustDomain;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ServiceDefinitionsTest {
    private static final TrustDomain TD = new TrustDomain("example.org");

    private static final String HCL = """
            service {
              name       = "web"
              tags       = ["v1", "primary"]
              meta       = { team = "payments", version = "3" }
              port       = 8080
              workload_selectors = [["unix:uid:1000", "unix:gid:50"], ["k8s:ns:web"]]
              node_selectors     = ["join_token:label:env:prod"]
              x509_ttl   = "30m"
              jwt_ttl    = "5m"
              dns_names  = ["web.example.org"]
              hint       = "external"
            }
            """;

    @Test
    void parsesHcl() {
        ServiceDefinition d = ServiceDefinitions.parse("web.hcl", HCL);
        assertThat(d.name()).isEqualTo("web");
        assertThat(d.namespace()).isEqualTo("default");
        assertThat(d.partition()).isEqualTo("default");
        assertThat(d.datacenter()).isEqualTo("dc1");
        assertThat(d.tags()).containsExactly("v1", "primary");
        assertThat(d.meta()).isEqualTo(Map.of("team", "payments", "version", "3"));
        assertThat(d.port()).isEqualTo(8080);
        assertThat(d.workloadSelectors()).containsExactly(
                new TreeSet<>(List.of(Selector.parse("unix:uid:1000"), Selector.parse("unix:gid:50"))),
                new TreeSet<>(List.of(Selector.parse("k8s:ns:web"))));
        assertThat(d.nodeSelectors()).containsExactly(Selector.parse("join_token:label:env:prod"));
        assertThat(d.x509Ttl()).isEqualTo(Duration.ofMinutes(30));
        assertThat(d.jwtTtl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(d.dnsNames()).containsExactly("web.example.org");
        assertThat(d.hint()).isEqualTo("external");
    }

    @Test
    void parsesJsonInConsulCasingAndLowerCase() {
        String consul = """
                {"Service": {"Name": "web", "Namespace": "team-a", "Datacenter": "eu1", "Tags": ["v1", "primary"],
                  "Meta": {"team": "payments", "version": "3"}, "Port": 8080,
                  "WorkloadSelectors": [["unix:uid:1000", "unix:gid:50"], ["k8s:ns:web"]],
                  "NodeSelectors": ["join_token:label:env:prod"], "X509TTL": "30m", "JWTTTL": 300,
                  "DNSNames": ["web.example.org"], "Hint": "external"}}
                """;
        String lower = consul.replace("\"Service\"", "\"service\"").replace("\"Name\"", "\"name\"")
                .replace("\"WorkloadSelectors\"", "\"workload_selectors\"").replace("\"NodeSelectors\"", "\"node_selectors\"")
                .replace("\"X509TTL\"", "\"x509_ttl\"").replace("\"DNSNames\"", "\"dns_names\"");
        for (String text : List.of(consul, lower)) {
            ServiceDefinition d = ServiceDefinitions.parse("web.json", text);
            assertThat(d.key()).isEqualTo(new ServiceDefinition.Key("default", "team-a", "eu1", "web"));
            assertThat(d.workloadSelectors()).hasSize(2);
            assertThat(d.nodeSelectors()).containsExactly(Selector.parse("join_token:label:env:prod"));
            assertThat(d.jwtTtl()).isEqualTo(Duration.ofMinutes(5));
            assertThat(d.x509Ttl()).isEqualTo(Duration.ofMinutes(30));
            assertThat(d.dnsNames()).containsExactly("web.example.org");
            assertThat(d.meta()).containsEntry("team", "payments");
        }
    }

    @Test
    void flatSelectorListIsOneSetAndSelectorsIsAnAlias() {
        ServiceDefinition d = ServiceDefinitions.parse("a.hcl", "service {\n name = \"a\"\n selectors = [\"unix:uid:1\", \"unix:gid:2\"]\n}\n");
        assertThat(d.workloadSelectors()).containsExactly(new TreeSet<>(List.of(Selector.parse("unix:uid:1"), Selector.parse("unix:gid:2"))));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            missing name          | workload_selectors = [["unix:uid:1"]]                          | web.hcl: service.name: is required
            name not a segment    | name = "web/api"\\n workload_selectors = [["unix:uid:1"]]        | service.name: "web/api" is not a valid SPIFFE ID path segment
            name not a string     | name = 5\\n workload_selectors = [["unix:uid:1"]]               | service.name: expected a string
            bad namespace         | name = "w"\\n namespace = "a b"\\n workload_selectors = [["unix:uid:1"]] | service.namespace: "a b"
            bad partition         | name = "w"\\n partition = "a%2F"\\n workload_selectors = [["unix:uid:1"]] | service.partition:
            bad datacenter        | name = "w"\\n datacenter = ".."\\n workload_selectors = [["unix:uid:1"]] | service.datacenter:
            no selectors          | name = "w"                                                      | service.workload_selectors: at least one selector set is required
            empty selector set    | name = "w"\\n workload_selectors = [["unix:uid:1"], []]          | service.workload_selectors[1]: a selector set must not be empty
            repeated set          | name = "w"\\n workload_selectors = [["unix:uid:1"], ["unix:uid:1"]] | service.workload_selectors[1]: repeats selector set 0
            bad selector          | name = "w"\\n workload_selectors = [["unix:uid:1", "nocolon"]]  | service.workload_selectors[0][1]: invalid selector "nocolon"
            mixed selector list   | name = "w"\\n workload_selectors = [["unix:uid:1"], "unix:uid:2"] | service.workload_selectors[1]: expected a list of selectors
            bad node selector     | name = "w"\\n workload_selectors = [["unix:uid:1"]]\\n node_selectors = ["Bad:x"] | service.node_selectors[0]: invalid selector type
            port not a number     | name = "w"\\n port = "http"\\n workload_selectors = [["unix:uid:1"]] | service.port: expected an integer, got "http"
            port out of range     | name = "w"\\n port = 70000\\n workload_selectors = [["unix:uid:1"]] | service.port: must be between 0 and 65535
            bad x509_ttl          | name = "w"\\n x509_ttl = "1x"\\n workload_selectors = [["unix:uid:1"]] | service.x509_ttl:
            zero jwt_ttl          | name = "w"\\n jwt_ttl = "0s"\\n workload_selectors = [["unix:uid:1"]] | service.jwt_ttl: must be positive
            tags not a list       | name = "w"\\n tags = "a"\\n workload_selectors = [["unix:uid:1"]]   | service.tags: expected a list of strings
            empty tag             | name = "w"\\n tags = ["a", ""]\\n workload_selectors = [["unix:uid:1"]] | service.tags[1]: must be a non-empty string
            bad meta key          | name = "w"\\n meta = { "a b" = "c" }\\n workload_selectors = [["unix:uid:1"]] | service.meta: key "a b"
            empty dns name        | name = "w"\\n dns_names = [""]\\n workload_selectors = [["unix:uid:1"]] | service.dns_names[0]: must not be empty
            hint not a string     | name = "w"\\n hint = ["x"]\\n workload_selectors = [["unix:uid:1"]] | service.hint: expected a string
            unknown field         | name = "w"\\n address = "10.0.0.1"\\n workload_selectors = [["unix:uid:1"]] | service.address: unknown field
            """)
    void invalidHclNamesTheField(String what, String body, String message) {
        String text = "service {\n " + body.replace("\\n", "\n") + "\n}\n";
        assertThatThrownBy(() -> ServiceDefinitions.parse("web.hcl", text)).as(what)
                .isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            missing name       | {"Service": {"WorkloadSelectors": [["unix:uid:1"]]}}                     | web.json: service.name: is required
            bad port           | {"Service": {"Name": "w", "Port": 1.5, "Selectors": [["unix:uid:1"]]}}   | service.port: expected an integer
            bad selector set   | {"Service": {"Name": "w", "WorkloadSelectors": "unix:uid:1"}}            | service.workload_selectors: expected a list of selector sets
            twice              | {"Service": {"Name": "w", "Selectors": [["unix:uid:1"]], "workload_selectors": [["unix:uid:2"]]}} | service.workload_selectors: given twice
            no service block   | {"Name": "w"}                                                            | Name: unknown key (expected a service
            services list      | {"Services": [{"Name": "w"}]}                                            | Services: one service per file
            """)
    void invalidJsonNamesTheField(String what, String text, String message) {
        assertThatThrownBy(() -> ServiceDefinitions.parse("web.json", text)).as(what)
                .isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @Test
    void malformedFileIsRefused() {
        assertThatThrownBy(() -> ServiceDefinitions.parse("web.hcl", "service {")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("web.hcl: malformed HCL");
    }

    @Test
    void spiffeIdInConsulFormatWithPartitionOnlyWhenNotDefault() {
        assertThat(def("web", "default", "default", "dc1").spiffeId(TD))
                .hasToString("spiffe://example.org/ns/default/dc/dc1/svc/web");
        assertThat(def("web", "team-a", "Default", "eu1").spiffeId(TD))
                .hasToString("spiffe://example.org/ns/team-a/dc/eu1/svc/web");
        assertThat(def("web", "team-a", "Finance", "eu1").spiffeId(TD))
                .hasToString("spiffe://example.org/ap/finance/ns/team-a/dc/eu1/svc/web");
        assertThat(def("web", null, null, null).spiffeId(TD))
                .hasToString("spiffe://example.org/ns/default/dc/dc1/svc/web");
    }

    @Test
    void entryIdsAreDeterministicAndFollowTheAdminRule() {
        ServiceDefinition.Key key = def("web", null, null, null).key();
        assertThat(ServiceDefinition.entryId(key, 0)).isEqualTo("svc.default.default.dc1.web.0");
        assertThat(ServiceDefinition.entryId(key, 1)).isEqualTo("svc.default.default.dc1.web.1");

        ServiceDefinition.Key longName = def("a-very-long-service-name-that-does-not-fit-in-sixty-four", null, null, null).key();
        String hashed = ServiceDefinition.entryId(longName, 3);
        assertThat(hashed).matches("svc\\.[0-9a-f]{32}\\.3").matches("[A-Za-z0-9._-]{1,64}");
        assertThat(ServiceDefinition.entryId(longName, 3)).isEqualTo(hashed);

        // Dots would make the readable form ambiguous: ns "a.b" + name "c" vs ns "a" + dc ... so they are hashed.
        ServiceDefinition.Key dotted1 = new ServiceDefinition.Key("default", "a.b", "dc1", "c");
        ServiceDefinition.Key dotted2 = new ServiceDefinition.Key("default", "a", "b.dc1", "c");
        assertThat(ServiceDefinition.entryId(dotted1, 0)).startsWith("svc.").isNotEqualTo(ServiceDefinition.entryId(dotted2, 0));
    }

    @Test
    void materializesOneEntryPerSelectorSet() {
        ServiceDefinition d = ServiceDefinitions.parse("web.hcl", HCL);
        List<Entry> entries = d.entries(TD);
        assertThat(entries).extracting(Entry::id).containsExactly("svc.default.default.dc1.web.0", "svc.default.default.dc1.web.1");
        Entry e = entries.get(1);
        assertThat(e.spiffeId()).hasToString("spiffe://example.org/ns/default/dc/dc1/svc/web");
        assertThat(e.parent()).isEqualTo(new Parent.NodeSelectors(new TreeSet<>(List.of(Selector.parse("join_token:label:env:prod")))));
        assertThat(e.selectors()).containsExactly(Selector.parse("k8s:ns:web"));
        assertThat(e.x509Ttl()).isEqualTo(Duration.ofMinutes(30));
        assertThat(e.jwtTtl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(e.dnsNames()).containsExactly("web.example.org");
        assertThat(e.hint()).isEqualTo("external");

        ServiceDefinition anyNode = def("web", null, null, null);
        assertThat(anyNode.entries(TD).get(0).parent()).isEqualTo(new Parent.AnyNode());
    }

    @Test
    void protoRoundTrip() {
        ServiceDefinition d = ServiceDefinitions.parse("web.hcl", HCL);
        assertThat(ServiceProtos.fromProto(ServiceProtos.toProto(d))).isEqualTo(d);
    }

    private static ServiceDefinition def(String name, String ns, String partition, String dc) {
        return new ServiceDefinition(name, ns, partition, dc, null, null, 0,
                List.of(new TreeSet<>(List.of(Selector.parse("unix:uid:1")))), null, null, null, null, null);
    }
}
