package dev.signet.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.signet.it.harness.CliResult;
import dev.signet.it.harness.SignetAgent;
import dev.signet.it.harness.SignetServer;
import dev.signet.testing.Poll;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Intentions end to end: created with the CLI on the server, synced to the agent, answered by the agent's
 * {@code POST /v1/agent/connect/authorize} from its local cache — also after the server process is killed.
 * This class kills its server, so it has its own server and agent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class IntentionAuthorizeTest {
    private static final String WEB = SignetServer.id("/ns/default/dc/dc1/svc/web");
    private static final String API = SignetServer.id("/ns/default/dc/dc1/svc/api");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private SignetServer server;
    private SignetAgent agent;

    @BeforeAll
    void cluster() {
        server = SignetServer.start("intention-server");
        agent = SignetAgent.start("intention-agent", server, server.token());
    }

    @AfterAll
    void stop() {
        if (agent != null) {
            agent.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private JsonNode authorize(String target, String clientUri) {
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.httpPort() + "/v1/agent/connect/authorize"))
                    .timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"Target\": \"" + target + "\", \"ClientCertURI\": \"" + clientUri + "\", \"ClientCertSerial\": \"01\"}"))
                    .build();
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return json.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void authorizeFollowsIntentionsAndKeepsAnsweringWithTheServerKilled() {
        // default_intention_policy is deny
        Poll.until(Duration.ofSeconds(30), "the agent to sync the default policy",
                () -> authorize("db", WEB).get("Reason").asText().contains("default_intention_policy is deny"));
        assertThat(authorize("db", WEB).get("Authorized").asBoolean()).isFalse();

        CliResult created = server.cli("intention", "create", "web", "db", "--allow", "--description", "it");
        assertThat(created.exit()).as(created::toString).isZero();
        CliResult check = server.cli("intention", "check", "web", "db");
        assertThat(check.stdout()).as(check::toString).isEqualTo("Allowed\n");

        Poll.until(Duration.ofSeconds(30), "the agent to receive the intention", () -> authorize("db", WEB).get("Authorized").asBoolean());
        JsonNode denied = authorize("db", API);
        assertThat(denied.get("Authorized").asBoolean()).isFalse();

        server.kill();
        assertThat(server.healthcheck().exit()).as("the server is down").isEqualTo(1);

        JsonNode during = authorize("db", WEB);
        assertThat(during.get("Authorized").asBoolean()).as(during::toString).isTrue();
        assertThat(during.get("Reason").asText()).contains("web => db (allow)");
        assertThat(authorize("db", API).get("Authorized").asBoolean()).isFalse();
        assertThat(agent.process().isAlive()).as(agent.process()::tails).isTrue();
    }
}
