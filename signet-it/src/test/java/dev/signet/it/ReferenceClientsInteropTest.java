package dev.signet.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.signet.it.harness.CliResult;
import dev.signet.it.harness.InteropClients;
import dev.signet.it.harness.SharedCluster;
import dev.signet.it.harness.SignetAgent;
import dev.signet.it.harness.SignetServer;
import dev.signet.it.harness.Uids;
import dev.signet.it.harness.Uids.Uid;
import dev.signet.it.harness.Workload;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The go-spiffe v2 and py-spiffe reference clients, unmodified, as workloads under another uid against a real
 * agent (see interop/go and interop/python). Each prints one JSON object per result.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class ReferenceClientsInteropTest {
    private SignetServer server;
    private SignetAgent agent;

    @BeforeAll
    void cluster() {
        SharedCluster c = SharedCluster.get();
        server = c.server();
        agent = c.agent();
    }

    private Uid registered(String path) {
        Uids.assumeRoot();
        Uid uid = Uids.unlisted();
        server.createEntry("--spiffe-id", SignetServer.id(path), "--any-node", "--selector", uid.selector());
        Workload.fetchUntilOk(uid, agent.socket(), Duration.ofSeconds(30));
        return uid;
    }

    private CliResult go(Uid uid, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(InteropClients.goClient().toString()));
        cmd.addAll(List.of(args));
        return InteropClients.runAs(uid, agent.socket(), "go-spiffe", cmd);
    }

    private CliResult python(Uid uid, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(InteropClients.pythonWithSpiffe().toString(),
                InteropClients.pythonScriptReadable().toString()));
        cmd.addAll(List.of(args));
        return InteropClients.runAs(uid, agent.socket(), "py-spiffe", cmd);
    }

    private static JsonNode json(CliResult r) {
        assertThat(r.exit()).as(r::toString).isZero();
        return CliResult.parse(r.stdout().lines().reduce((a, b) -> b).orElseThrow());
    }

    @Test
    void goSpiffeX509SourceGetsTheSvidAndVerifiesTheChain() {
        Uid uid = registered("/it/go-spiffe/x509");
        JsonNode r = json(go(uid, "x509", "-timeout", "20s"));
        assertThat(r.get("spiffe_id").asText()).isEqualTo(SignetServer.id("/it/go-spiffe/x509"));
        assertThat(r.get("chain_valid").asBoolean()).as(r.toString()).isTrue();
    }

    @Test
    void pySpiffeFetchesTheX509ContextAndVerifiesTheChain() {
        Uid uid = registered("/it/py-spiffe/x509");
        JsonNode r = json(python(uid, "x509", "--timeout", "20"));
        assertThat(r.get("spiffe_id").asText()).isEqualTo(SignetServer.id("/it/py-spiffe/x509"));
        assertThat(r.get("chain_valid").asBoolean()).as(r.toString()).isTrue();
        assertThat(r.get("svids").asInt()).isEqualTo(1);
    }

    @Test
    void W18_W24_goSpiffeJwtSourceFetchesAJwtSvidThatValidatesLocallyAndThroughTheAgent() {
        String id = SignetServer.id("/it/go-spiffe/jwt");
        Uid uid = registered("/it/go-spiffe/jwt");
        JsonNode r = json(go(uid, "jwt", "-audience", "https://backend.example.org", "-timeout", "20s"));
        assertThat(r.get("spiffe_id").asText()).as(r.toString()).isEqualTo(id);
        assertThat(r.get("audience").toString()).as(r.toString()).isEqualTo("[\"https://backend.example.org\"]");
        // jwtsvid.ParseAndValidate against the JWTSource's bundle (kid lookup, signature, typ, exp, aud)
        assertThat(r.get("local_err").asText()).as(r.toString()).isEmpty();
        assertThat(r.get("local_valid").asBoolean()).as(r.toString()).isTrue();
        // workloadapi.ValidateJWTSVID: the agent validates, then go-spiffe re-parses the token
        assertThat(r.get("agent_err").asText()).as(r.toString()).isEmpty();
        assertThat(r.get("agent_valid").asBoolean()).as(r.toString()).isTrue();
        assertThat(r.get("agent_spiffe_id").asText()).as(r.toString()).isEqualTo(id);
        assertThat(r.get("wrong_audience_err").asText()).as(r.toString()).isEqualTo(
                "jwtsvid: expected audience in [\"https://backend.example.org-other\"] (audience=[\"https://backend.example.org\"])");
    }

    @Test
    void W18_W24_pySpiffeFetchesAJwtSvidThatValidatesLocallyAndThroughTheAgent() {
        String id = SignetServer.id("/it/py-spiffe/jwt");
        Uid uid = registered("/it/py-spiffe/jwt");
        JsonNode r = json(python(uid, "jwt", "--audience", "https://backend.example.org", "--timeout", "20"));
        assertThat(r.get("spiffe_id").asText()).as(r.toString()).isEqualTo(id);
        assertThat(r.get("audience").toString()).as(r.toString()).isEqualTo("[\"https://backend.example.org\"]");
        // JwtSvid.parse_and_validate against the bundle from fetch_jwt_bundles
        assertThat(r.get("local_err").asText()).as(r.toString()).isEmpty();
        assertThat(r.get("local_valid").asBoolean()).as(r.toString()).isTrue();
        // WorkloadApiClient.validate_jwt_svid
        assertThat(r.get("agent_err").asText()).as(r.toString()).isEmpty();
        assertThat(r.get("agent_valid").asBoolean()).as(r.toString()).isTrue();
        assertThat(r.get("agent_spiffe_id").asText()).as(r.toString()).isEqualTo(id);
        assertThat(r.get("wrong_audience_err").asText()).as(r.toString())
                .isEqualTo("Audience doesn't match");
    }

    @Test
    void W6_goSpiffeSeesARotationArriveOnItsWatch() {
        Uids.assumeRoot();
        Uid uid = Uids.unlisted();
        server.createEntry("--spiffe-id", SignetServer.id("/it/go-spiffe/rotating"), "--any-node", "--selector", uid.selector(),
                "--x509-ttl", "8s");
        Workload.fetchUntilOk(uid, agent.socket(), Duration.ofSeconds(30));
        CliResult r = go(uid, "watch", "-timeout", "40s");
        List<JsonNode> events = r.stdout().lines().map(CliResult::parse).toList();
        assertThat(r.exit()).as(r::toString).isZero();
        assertThat(events).hasSize(2);
        assertThat(events.get(1).get("event").asText()).isEqualTo("rotated");
        assertThat(events.get(1).get("serial").asText()).isNotEqualTo(events.get(0).get("serial").asText());
    }

    @Test
    void W6_pySpiffeSeesARotationArriveOnItsWatch() {
        Uids.assumeRoot();
        Uid uid = Uids.unlisted();
        server.createEntry("--spiffe-id", SignetServer.id("/it/py-spiffe/rotating"), "--any-node", "--selector", uid.selector(),
                "--x509-ttl", "8s");
        Workload.fetchUntilOk(uid, agent.socket(), Duration.ofSeconds(30));
        CliResult r = python(uid, "watch", "--timeout", "40");
        List<JsonNode> events = r.stdout().lines().map(CliResult::parse).toList();
        assertThat(r.exit()).as(r::toString).isZero();
        assertThat(events).hasSize(2);
        assertThat(events.get(1).get("event").asText()).isEqualTo("rotated");
        assertThat(events.get(1).get("serial").asText()).isNotEqualTo(events.get(0).get("serial").asText());
    }
}
