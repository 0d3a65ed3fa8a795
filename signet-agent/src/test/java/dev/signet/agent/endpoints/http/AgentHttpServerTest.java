package dev.signet.agent.endpoints.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.signet.agent.TestCerts;
import dev.signet.agent.intention.IntentionCache;
import dev.signet.core.intention.Action;
import dev.signet.core.intention.Intention;
import dev.signet.core.intention.IntentionProtos;
import dev.signet.core.x509.Pem;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The agent's local HTTP API on a real loopback socket. */
class AgentHttpServerTest {
    private static final String WEB = "spiffe://example.org/ns/default/dc/dc1/svc/web";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TestCerts oldCa = new TestCerts("example.org");
    private final TestCerts newCa = new TestCerts("example.org");
    private final AtomicReference<List<X509Certificate>> roots = new AtomicReference<>(List.of(oldCa.ca, newCa.ca));
    private final IntentionCache intentions = new IntentionCache();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private AgentHttpServer server;
    private X509Certificate agentSvid;

    @BeforeEach
    void start() throws Exception {
        agentSvid = oldCa.leaf("/signet/agent/x", Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600)).cert();
        server = AgentHttpServer.start(0, oldCa.trustDomain, roots::get, () -> agentSvid, intentions, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode authorize(String target, String uri) throws Exception {
        HttpResponse<String> r = send("POST", "/v1/agent/connect/authorize",
                "{\"Target\": \"" + target + "\", \"ClientCertURI\": \"" + uri + "\", \"ClientCertSerial\": \"04:d2\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
        return JSON.readTree(r.body());
    }

    private void intentions(Action defaultPolicy, Intention... list) {
        intentions.update(java.util.Arrays.stream(list).map(IntentionProtos::toProto).toList(), defaultPolicy.text());
    }

    @Test
    void rootsAreABlockingQueryOnTheBundleSequence() throws Exception {
        server.close();
        dev.signet.core.consul.BlockingIndex seq = new dev.signet.core.consul.BlockingIndex(5);
        server = AgentHttpServer.start(0, oldCa.trustDomain, roots::get, () -> agentSvid, intentions, seq, Clock.systemUTC());
        HttpResponse<String> first = send("GET", "/v1/agent/connect/ca/roots", null);
        assertThat(first.headers().firstValue("X-Consul-Index")).hasValue("5");

        java.util.concurrent.CompletableFuture<HttpResponse<String>> blocked = http.sendAsync(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/v1/agent/connect/ca/roots?index=5&wait=5m")).build(),
                HttpResponse.BodyHandlers.ofString());
        roots.set(List.of(newCa.ca));
        seq.advanceTo(6);
        HttpResponse<String> r = blocked.get(20, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r.headers().firstValue("X-Consul-Index")).hasValue("6");
        assertThat(JSON.readTree(r.body()).get("Roots")).hasSize(1);

        HttpResponse<String> timedOut = send("GET", "/v1/agent/connect/ca/roots?index=6&wait=1s", null);
        assertThat(timedOut.statusCode()).isEqualTo(200);
        assertThat(timedOut.headers().firstValue("X-Consul-Index")).hasValue("6");
        assertThat(send("GET", "/v1/agent/connect/ca/roots?wait=forever", null).statusCode()).isEqualTo(400);
    }

    @Test
    void rootsHaveConsulsShapeAndTheActiveRootSignedTheAgentSvid() throws Exception {
        HttpResponse<String> r = send("GET", "/v1/agent/connect/ca/roots", null);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode j = JSON.readTree(r.body());
        assertThat(j.get("TrustDomain").asText()).isEqualTo("example.org");
        assertThat(j.get("Roots")).hasSize(2);
        JsonNode first = j.get("Roots").get(0);
        for (String f : List.of("ID", "Name", "SerialNumber", "SigningKeyID", "NotBefore", "NotAfter", "RootCert", "Active",
                "IntermediateCerts", "PrivateKeyType", "PrivateKeyBits")) {
            assertThat(first.has(f)).as(f).isTrue();
        }
        assertThat(first.get("ID").asText()).matches("([0-9a-f]{2}:){19}[0-9a-f]{2}");
        assertThat(first.get("SerialNumber").bigIntegerValue()).isEqualTo(oldCa.ca.getSerialNumber());
        assertThat(first.get("Name").asText()).isEqualTo("Signet CA " + oldCa.ca.getSerialNumber().toString(16));
        assertThat(first.get("PrivateKeyType").asText()).isEqualTo("ec");
        assertThat(first.get("PrivateKeyBits").asInt()).isEqualTo(256);
        assertThat(Instant.parse(first.get("NotAfter").asText())).isEqualTo(oldCa.ca.getNotAfter().toInstant());
        assertThat(Pem.decodeCertificates(first.get("RootCert").asText())).containsExactly(oldCa.ca);
        // the old root issued the agent's SVID, so it is active even though the new one is newer
        assertThat(first.get("Active").asBoolean()).isTrue();
        assertThat(j.get("Roots").get(1).get("Active").asBoolean()).isFalse();
        assertThat(j.get("ActiveRootID").asText()).isEqualTo(first.get("ID").asText());

        agentSvid = newCa.leaf("/signet/agent/x", Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600)).cert();
        JsonNode after = JSON.readTree(send("GET", "/v1/agent/connect/ca/roots", null).body());
        assertThat(after.get("ActiveRootID").asText()).isEqualTo(after.get("Roots").get(1).get("ID").asText());
    }

    @Test
    void rootsAsPem() throws Exception {
        HttpResponse<String> r = send("GET", "/v1/agent/connect/ca/roots?pem=true", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/pem-certificate-chain");
        assertThat(Pem.decodeCertificates(r.body())).containsExactly(oldCa.ca, newCa.ca);
    }

    @Test
    void authorizeFollowsTheIntentions() throws Exception {
        Intention allow = new Intention("i-1", dev.signet.core.intention.IntentionSource.parse("web"),
                dev.signet.core.intention.IntentionDestination.parse("db"), Action.ALLOW, "", null, null);
        intentions(Action.DENY, allow, Intention.of("*", "db", Action.DENY, ""));
        JsonNode ok = authorize("db", WEB);
        assertThat(ok.get("Authorized").asBoolean()).isTrue();
        assertThat(ok.get("Reason").asText()).contains("web => db (allow)").contains("i-1");
        JsonNode no = authorize("db", "spiffe://example.org/ns/default/dc/dc1/svc/api");
        assertThat(no.get("Authorized").asBoolean()).isFalse();
        assertThat(no.get("Reason").asText()).contains("* => db (deny)");
    }

    @Test
    void authorizeFallsBackToTheDefaultPolicyBothWays() throws Exception {
        JsonNode beforeSync = authorize("db", WEB);
        assertThat(beforeSync.get("Authorized").asBoolean()).isFalse();
        assertThat(beforeSync.get("Reason").asText()).contains("no intentions synced");

        intentions(Action.ALLOW);
        JsonNode allowed = authorize("db", WEB);
        assertThat(allowed.get("Authorized").asBoolean()).isTrue();
        assertThat(allowed.get("Reason").asText()).contains("default_intention_policy is allow");

        intentions(Action.DENY);
        JsonNode denied = authorize("db", WEB);
        assertThat(denied.get("Authorized").asBoolean()).isFalse();
        assertThat(denied.get("Reason").asText()).contains("default_intention_policy is deny");
    }

    @Test
    void badRequests() throws Exception {
        HttpResponse<String> bad = send("POST", "/v1/agent/connect/authorize", "{not json");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).startsWith("Request decode failed");

        HttpResponse<String> noTarget = send("POST", "/v1/agent/connect/authorize", "{\"ClientCertURI\": \"" + WEB + "\"}");
        assertThat(noTarget.statusCode()).isEqualTo(400);
        assertThat(noTarget.body()).contains("Target service must be specified");

        HttpResponse<String> badUri = send("POST", "/v1/agent/connect/authorize", "{\"Target\": \"db\", \"ClientCertURI\": \"http://x\"}");
        assertThat(badUri.statusCode()).isEqualTo(400);
        assertThat(badUri.body()).contains("ClientCertURI not a valid SPIFFE ID");

        HttpResponse<String> unknown = send("GET", "/v1/agent/services", null);
        assertThat(unknown.statusCode()).isEqualTo(404);

        HttpResponse<String> getAuthorize = send("GET", "/v1/agent/connect/authorize", null);
        assertThat(getAuthorize.statusCode()).isEqualTo(405);
        assertThat(getAuthorize.headers().firstValue("Allow")).contains("POST");
        assertThat(send("DELETE", "/v1/agent/connect/ca/roots", null).statusCode()).isEqualTo(405);
    }
}
