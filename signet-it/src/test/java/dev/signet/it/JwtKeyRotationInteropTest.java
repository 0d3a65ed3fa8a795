package dev.signet.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.signet.it.harness.CliResult;
import dev.signet.it.harness.InteropClients;
import dev.signet.it.harness.SignetAgent;
import dev.signet.it.harness.SignetServer;
import dev.signet.it.harness.Uids;
import dev.signet.it.harness.Uids.Uid;
import dev.signet.it.harness.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * JWT signing-key rotation seen by an unmodified go-spiffe client on one open FetchJWTBundles stream, against
 * a server with a 40 s {@code ca_ttl}: its JWT key manager prepares (publishes) a successor when the active key
 * has half its life left, about 20 s after start, and activates it when a sixth is left, about 33 s after
 * start (the server checks every 5 s). See interop/go, {@code goclient jwt-bundle-watch}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class JwtKeyRotationInteropTest {
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(100);
    private SignetServer server;
    private SignetAgent agent;

    @AfterAll
    void stop() {
        if (agent != null) {
            agent.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void F2_W6_goSpiffeSeesTheNewJwtKeyArriveOnItsBundleWatchBeforeAnyTokenIsSignedWithIt() {
        Uids.assumeRoot();
        // Built (or found in the cache) before the server starts its 40 s key clock.
        String goClient = InteropClients.goClient().toString();
        server = SignetServer.start("jwt-rotation-server", Map.of(
                "ca_ttl", "\"40s\"",
                "default_x509_svid_ttl", "\"20s\"",
                "default_jwt_svid_ttl", "\"20s\"",
                "agent_ttl", "\"20s\""));
        Uid uid = Uids.unlisted();
        String id = SignetServer.id("/it/go-spiffe/jwt-rotation");
        server.createEntry("--spiffe-id", id, "--any-node", "--selector", uid.selector());
        agent = SignetAgent.start("jwt-rotation-agent", server, server.token());
        Workload.fetchUntilOk(uid, agent.socket(), Duration.ofSeconds(30));

        // The client fetches a token every 500 ms (fresh audience each time, so the agent's JWT cache never
        // answers) while watching the bundles; it stops at the first token signed by a key that arrived on the
        // watch after it started, and fails on any token whose kid is not yet in the bundle it has.
        CliResult r = InteropClients.runAs(uid, agent.socket(), "go-spiffe",
                List.of(goClient, "jwt-bundle-watch", "-audience", "rotation", "-timeout", "90s"), CLIENT_TIMEOUT);

        assertThat(r.exit()).as(r::toString).isZero();
        List<JsonNode> events = r.stdout().lines().map(CliResult::parse).toList();
        assertThat(events).as(r::toString).extracting(e -> e.get("event").asText())
                .containsExactly("initial", "bundle_updated", "signed_by_new_key");
        JsonNode initial = events.get(0);
        JsonNode updated = events.get(1);
        JsonNode signed = events.get(2);

        assertThat(initial.get("spiffe_id").asText()).isEqualTo(id);
        List<String> initialKids = strings(initial.get("kids"));
        assertThat(initialKids).as(r::toString).contains(initial.get("signing_kid").asText());

        // One new key, published next to the old ones on the same stream (no reconnect in between).
        List<String> newKids = strings(updated.get("new_kids"));
        assertThat(newKids).as(r::toString).hasSize(1);
        String newKid = newKids.get(0);
        TreeSet<String> expectedKids = new TreeSet<>(initialKids);
        expectedKids.add(newKid);
        assertThat(strings(updated.get("kids"))).as(r::toString).containsExactlyElementsOf(expectedKids);
        assertThat(strings(updated.get("watch_errors"))).as("the FetchJWTBundles stream stayed open\n" + r).isEmpty();

        // F-2: the first token with the new kid came after the kid was on the watch; it validates locally
        // against the bundle from the watch (and through the agent).
        assertThat(signed.get("kid").asText()).isEqualTo(newKid);
        assertThat(signed.get("spiffe_id").asText()).isEqualTo(id);
        assertThat(signed.get("local_err").asText()).as(r::toString).isEmpty();
        assertThat(signed.get("local_valid").asBoolean()).as(r::toString).isTrue();
        assertThat(signed.get("local_spiffe_id").asText()).isEqualTo(id);
        assertThat(signed.get("agent_err").asText()).as(r::toString).isEmpty();
        assertThat(signed.get("agent_valid").asBoolean()).as(r::toString).isTrue();
        assertThat(signed.get("agent_spiffe_id").asText()).isEqualTo(id);
        assertThat(strings(signed.get("watch_errors"))).as("the FetchJWTBundles stream stayed open\n" + r).isEmpty();

        // What the client saw is the server's prepare → activate of that key, in this order.
        String log = server.process().stderr();
        int prepared = log.indexOf("prepared JWT key JwtSigningKey[kid " + newKid + ",");
        int activated = log.indexOf("activated JWT key JwtSigningKey[kid " + newKid + ",");
        assertThat(prepared).as("server log: prepared " + newKid + "\n" + log).isNotNegative();
        assertThat(activated).as("server log: activated " + newKid + "\n" + log).isGreaterThan(prepared);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
