package dev.signet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.signet.cli.testing.CliRunner;
import dev.signet.cli.testing.CliRunner.Result;
import dev.signet.cli.testing.FakeAdminApi;
import dev.signet.cli.testing.TestCerts;
import dev.signet.cli.testing.UdsServer;
import dev.signet.core.x509.Pem;
import dev.signet.proto.admin.v1.AgentRef;
import dev.signet.proto.admin.v1.CreateJoinTokenRequest;
import dev.signet.proto.admin.v1.HealthResponse;
import dev.signet.proto.admin.v1.ListEntriesRequest;
import dev.signet.proto.common.v1.Agent;
import dev.signet.proto.common.v1.Bundle;
import dev.signet.proto.common.v1.Entry;
import dev.signet.proto.common.v1.Selector;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin commands against a real gRPC server on a temporary Unix socket, serving a hand-written fake. */
class AdminCommandsTest {
    @TempDir
    Path dir;

    private final FakeAdminApi api = new FakeAdminApi();
    private UdsServer server;
    private Path socket;

    @BeforeEach
    void start() throws Exception {
        socket = dir.resolve("server.sock");
        server = UdsServer.start(socket, api);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private Result signet(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--server-socket");
        all.add(socket.toString());
        return CliRunner.run(Map.of(), all.toArray(String[]::new));
    }

    private static Selector sel(String type, String value) {
        return Selector.newBuilder().setType(type).setValue(value).build();
    }

    @Test
    void entryCreateSendsExactlyTheGivenFieldsAndPrintsTheId() {
        Result r = signet("entry", "create", "--spiffe-id", "spiffe://example.org/web",
                "--parent-id", "spiffe://example.org/agent/a", "--selector", "unix:uid:1000", "--selector", "unix:gid:50",
                "--x509-ttl", "1h30m", "--jwt-ttl", "2m", "--dns-name", "web.example.org", "--hint", "internal");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("entry-1\n");
        assertThat(r.err()).isEmpty();
        Entry sent = api.onlyRequest("CreateEntry");
        assertThat(sent).isEqualTo(Entry.newBuilder()
                .setSpiffeId("spiffe://example.org/web")
                .setParentId("spiffe://example.org/agent/a")
                .addSelectors(sel("unix", "uid:1000"))
                .addSelectors(sel("unix", "gid:50"))
                .setX509TtlSeconds(5400)
                .setJwtTtlSeconds(120)
                .addDnsNames("web.example.org")
                .setHint("internal")
                .build());
    }

    @Test
    void entryCreateWithNodeSelectorsOrAnyNodeSendsOnlyThatParent() {
        assertThat(signet("entry", "create", "--spiffe-id", "spiffe://example.org/db", "--node-selector",
                "join_token:label:env:prod", "--node-selector", "join_token:label:zone:a", "--selector", "unix:uid:5").code())
                .isZero();
        assertThat(signet("entry", "create", "--spiffe-id", "spiffe://example.org/any", "--any-node",
                "--selector", "unix:uid:6").code()).isZero();

        List<FakeAdminApi.Call> calls = api.calls();
        assertThat(calls.get(0).request()).isEqualTo(Entry.newBuilder().setSpiffeId("spiffe://example.org/db")
                .addNodeSelectors(sel("join_token", "label:env:prod")).addNodeSelectors(sel("join_token", "label:zone:a"))
                .addSelectors(sel("unix", "uid:5")).build());
        assertThat(calls.get(1).request()).isEqualTo(Entry.newBuilder().setSpiffeId("spiffe://example.org/any")
                .setAnyNode(true).addSelectors(sel("unix", "uid:6")).build());
    }

    @Test
    void invalidLocallyMeansNoRequestAtAll() {
        Result r = signet("entry", "create", "--spiffe-id", "spiffe://example.org/x", "--any-node",
                "--parent-id", "spiffe://example.org/a", "--selector", "a:b");
        assertThat(r.code()).isEqualTo(2);
        assertThat(api.calls()).isEmpty();
    }

    @Test
    void serverRefusalIsItsDescriptionOnOneLine() {
        api.failNext(Status.INVALID_ARGUMENT.withDescription(
                "spiffe_id: trust domain \"other.org\" is not this server's (example.org)"));
        Result r = signet("entry", "create", "--spiffe-id", "spiffe://other.org/web", "--any-node", "--selector", "a:b");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: spiffe_id: trust domain \"other.org\" is not this server's (example.org)\n");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void entryListJsonHasTheStableFieldNames() throws Exception {
        api.putEntry(Entry.newBuilder().setId("e1").setSpiffeId("spiffe://example.org/web")
                .setParentId("spiffe://example.org/agent/a").addSelectors(sel("unix", "uid:1000"))
                .setX509TtlSeconds(3600).setJwtTtlSeconds(300).addDnsNames("web").setHint("internal").setRevision(2)
                .setCreatedAtUnix(1_700_000_000).build());
        api.putEntry(Entry.newBuilder().setId("e2").setSpiffeId("spiffe://example.org/db")
                .addNodeSelectors(sel("join_token", "label:env:prod")).addSelectors(sel("unix", "uid:5")).build());

        Result r = signet("entry", "list", "--output", "json");

        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode arr = new ObjectMapper().readTree(r.out());
        assertThat(arr.isArray()).isTrue();
        assertThat(arr).hasSize(2);
        JsonNode e1 = arr.get(0);
        List<String> names = new ArrayList<>();
        e1.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly("id", "spiffe_id", "parent_id", "node_selectors", "any_node", "selectors",
                "x509_ttl_seconds", "jwt_ttl_seconds", "dns_names", "hint", "revision", "created_at");
        assertThat(e1.get("id").asText()).isEqualTo("e1");
        assertThat(e1.get("spiffe_id").asText()).isEqualTo("spiffe://example.org/web");
        assertThat(e1.get("parent_id").asText()).isEqualTo("spiffe://example.org/agent/a");
        assertThat(e1.get("selectors").get(0).asText()).isEqualTo("unix:uid:1000");
        assertThat(e1.get("x509_ttl_seconds").asInt()).isEqualTo(3600);
        assertThat(e1.get("jwt_ttl_seconds").asInt()).isEqualTo(300);
        assertThat(e1.get("revision").asLong()).isEqualTo(2);
        assertThat(e1.get("created_at").asText()).isEqualTo("2023-11-14T22:13:20Z");
        JsonNode e2 = arr.get(1);
        assertThat(e2.get("parent_id").isNull()).isTrue();
        assertThat(e2.get("node_selectors").get(0).asText()).isEqualTo("join_token:label:env:prod");
        assertThat(e2.get("any_node").asBoolean()).isFalse();
        assertThat(e2.get("created_at").isNull()).isTrue();
    }

    @Test
    void entryListTextAndFilter() {
        api.putEntry(Entry.newBuilder().setId("e1").setSpiffeId("spiffe://example.org/web").setAnyNode(true)
                .addSelectors(sel("unix", "uid:1000")).build());

        Result r = signet("entry", "list", "--spiffe-id", "spiffe://example.org/web");

        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("Found 1 entry\n\nEntry ID         : e1\nSPIFFE ID        : spiffe://example.org/web\n")
                .contains("Any node         : true\n", "Selector         : unix:uid:1000\n", "X509-SVID TTL    : default\n");
        ListEntriesRequest sent = api.onlyRequest("ListEntries");
        assertThat(sent.getSpiffeId()).isEqualTo("spiffe://example.org/web");
    }

    @Test
    void entryShowJsonIsOneObject() throws Exception {
        api.putEntry(Entry.newBuilder().setId("e1").setSpiffeId("spiffe://example.org/web").setAnyNode(true).build());
        Result r = signet("entry", "show", "--id", "e1", "-o", "JSON");
        assertThat(r.code()).isZero();
        assertThat(new ObjectMapper().readTree(r.out()).get("any_node").asBoolean()).isTrue();

        Result missing = signet("entry", "show", "--id", "nope");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("error: entry not found\n");
    }

    @Test
    void entryUpdateChangesOnlyTheGivenFieldsAndKeepsTheRest() {
        Entry before = Entry.newBuilder().setId("e1").setSpiffeId("spiffe://example.org/web").setAnyNode(true)
                .addSelectors(sel("unix", "uid:1000")).addDnsNames("web").setHint("old").setRevision(4)
                .setJwtTtlSeconds(300).setCreatedAtUnix(1_700_000_000).build();
        api.putEntry(before);

        Result r = signet("entry", "update", "--id", "e1", "--hint", "new", "--selector", "unix:uid:2000",
                "--parent-id", "spiffe://example.org/agent/b");

        assertThat(r.code()).as(r.toString()).isZero();
        Entry sent = api.onlyRequest("UpdateEntry");
        assertThat(sent).isEqualTo(before.toBuilder().setHint("new").clearSelectors().addSelectors(sel("unix", "uid:2000"))
                .setAnyNode(false).setParentId("spiffe://example.org/agent/b").build());
        assertThat(r.out()).contains("Revision         : 5\n", "Hint             : new\n");
    }

    @Test
    void entryDelete() {
        api.putEntry(Entry.newBuilder().setId("e1").setSpiffeId("spiffe://example.org/web").setAnyNode(true).build());
        Result r = signet("entry", "delete", "--id", "e1");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo("Deleted entry e1\n");
    }

    @Test
    void tokenGenerateSendsTtlAndLabelsAndPrintsOnlyTheToken() throws Exception {
        Result r = signet("token", "generate", "--ttl", "1h", "--label", "env=prod", "--label", "zone=a=b");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo("tok-123\n");
        CreateJoinTokenRequest sent = api.onlyRequest("CreateJoinToken");
        assertThat(sent.getTtlSeconds()).isEqualTo(3600);
        assertThat(sent.getLabelsMap()).isEqualTo(Map.of("env", "prod", "zone", "a=b"));

        JsonNode json = new ObjectMapper().readTree(signet("token", "generate", "--output", "json").out());
        assertThat(json.get("token").asText()).isEqualTo("tok-123");
        assertThat(json.get("expires_at").asText()).isEqualTo("2023-11-14T22:23:20Z"); // default ttl 10m
    }

    @Test
    void agentListEvictBan() throws Exception {
        api.addAgent(Agent.newBuilder().setSpiffeId("spiffe://example.org/signet/agent/join_token/t1")
                .setAttestationType("join_token").addSelectors(sel("join_token", "label:env:prod"))
                .setCertNotAfterUnix(1_700_000_000).build());

        JsonNode arr = new ObjectMapper().readTree(signet("agent", "list", "-o", "json").out());
        assertThat(arr.get(0).get("spiffe_id").asText()).isEqualTo("spiffe://example.org/signet/agent/join_token/t1");
        assertThat(arr.get(0).get("selectors").get(0).asText()).isEqualTo("join_token:label:env:prod");
        assertThat(signet("agent", "list").out()).startsWith("Found 1 attested agent\n");

        Result evict = signet("agent", "evict", "--spiffe-id", "spiffe://example.org/signet/agent/join_token/t1");
        assertThat(evict.code()).isZero();
        assertThat(((AgentRef) api.onlyRequest("EvictAgent")).getSpiffeId())
                .isEqualTo("spiffe://example.org/signet/agent/join_token/t1");
        assertThat(signet("agent", "ban", "--spiffe-id", "spiffe://example.org/a").out())
                .isEqualTo("Banned agent spiffe://example.org/a\n");
    }

    @Test
    void bundleShowPrintsTheCaCertificatesAsPem() throws Exception {
        X509Certificate ca1 = TestCerts.ca("example.org").cert();
        X509Certificate ca2 = TestCerts.ca("example.org").cert();
        api.setBundle(Bundle.newBuilder().setTrustDomain("example.org")
                .addX509Authorities(ByteString.copyFrom(ca1.getEncoded()))
                .addX509Authorities(ByteString.copyFrom(ca2.getEncoded())).build());

        Result r = signet("bundle", "show");

        assertThat(r.code()).isZero();
        assertThat(Pem.decodeCertificates(r.out())).containsExactly(ca1, ca2);
        JsonNode json = new ObjectMapper().readTree(signet("bundle", "show", "--output", "json").out());
        assertThat(json.get("trust_domain").asText()).isEqualTo("example.org");
        assertThat(Pem.decodeCertificates(json.get("x509_authorities").get(1).asText())).containsExactly(ca2);
    }

    @Test
    void healthcheck() {
        Result ok = signet("healthcheck");
        assertThat(ok.code()).isZero();
        assertThat(ok.out()).isEqualTo("server is healthy\n");

        api.setHealth(HealthResponse.newBuilder().setStatus("starting").build());
        Result bad = signet("healthcheck");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).isEqualTo("error: server is unhealthy: starting\n");
    }

    @Test
    void serverSocketComesFromTheEnvironmentWhenNoFlag() {
        Result r = CliRunner.run(Map.of("SIGNET_SERVER_SOCKET", socket.toString()), "healthcheck");
        assertThat(r.code()).as(r.toString()).isZero();
    }

    @Test
    void missingSocketSaysSoAndHowToPointElsewhere() {
        Path absent = dir.resolve("absent.sock");
        Result r = CliRunner.run(Map.of(), "entry", "list", "--server-socket", absent.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: cannot reach the server at " + absent
                + ": is it running? (set --server-socket or SIGNET_SERVER_SOCKET)\n");
    }

    @Test
    void aSocketFileNobodyListensOnIsReportedTheSameWay() throws Exception {
        Path stale = Files.createFile(dir.resolve("stale.sock"));
        Result r = CliRunner.run(Map.of(), "healthcheck", "--server-socket", stale.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: cannot reach the server at " + stale
                + ": is it running? (set --server-socket or SIGNET_SERVER_SOCKET)\n");
    }
}
