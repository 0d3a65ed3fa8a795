package dev.signet.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.signet.it.harness.CliResult;
import dev.signet.it.harness.ItDirs;
import dev.signet.it.harness.SharedCluster;
import dev.signet.it.harness.SignetAgent;
import dev.signet.it.harness.SignetServer;
import dev.signet.it.harness.Uids;
import dev.signet.it.harness.Uids.Uid;
import dev.signet.it.harness.Workload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Catalog services end to end: {@code signet service register} a definition constrained to prod nodes; the uid it
 * selects gets the Consul-format ID on the prod agent and nothing on the dev agent; re-registering with another uid
 * moves the identity on the running agents.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class ServiceCatalogTest {
    private static final Duration PROPAGATION = Duration.ofSeconds(30);
    private static final String DENIED = "error: no identity issued for this process (PERMISSION_DENIED)\n";

    private SignetServer server;

    @BeforeAll
    void cluster() {
        server = SharedCluster.get().server();
    }

    private Path definition(String name, Uid uid) throws IOException {
        Path f = ItDirs.newDir("catalog").resolve(name + ".hcl");
        Files.writeString(f, """
                service {
                  name               = "%s"
                  port               = 8080
                  tags               = ["it"]
                  node_selectors     = ["join_token:label:env:prod"]
                  workload_selectors = [["%s"]]
                }
                """.formatted(name, uid.selector()));
        return f;
    }

    @Test
    void serviceIsServedOnlyWhereRegisteredAndReRegisteringMovesIt() throws Exception {
        Uids.assumeRoot();
        String name = "it-catalog-web";
        String id = "spiffe://" + SignetServer.TRUST_DOMAIN + "/ns/default/dc/dc1/svc/" + name;
        Uid first = Uids.unlisted();
        Uid second = Uids.unlisted();
        try (SignetAgent prod = SignetAgent.start("catalog-prod", server, server.token("env=prod"));
                SignetAgent dev = SignetAgent.start("catalog-dev", server, server.token("env=dev"))) {
            CliResult reg = server.cli("service", "register", definition(name, first).toString()).ok();
            assertThat(reg.stdout()).contains("Registered service " + name + " as " + id);

            JsonNode shown = server.cli("service", "show", name, "--output", "json").ok().json();
            assertThat(shown.get("SpiffeID").asText()).isEqualTo(id);
            assertThat(shown.get("NodeSelectors").get(0).asText()).isEqualTo("join_token:label:env:prod");

            assertThat(ids(Workload.fetchUntilOk(first, prod.socket(), PROPAGATION))).containsExactly(id);
            CliResult onDev = Workload.fetch(first, dev.socket());
            assertThat(onDev.exit()).as(onDev::toString).isEqualTo(1);
            assertThat(onDev.stderr()).as(onDev::toString).isEqualTo(DENIED);

            // The managed entry can't be deleted behind the catalog's back.
            String entryId = shown.get("EntryIDs").get(0).asText();
            CliResult del = server.cli("entry", "delete", "--id", entryId);
            assertThat(del.exit()).as(del::toString).isEqualTo(1);
            assertThat(del.stderr()).as(del::toString).contains("is managed by service " + name);

            server.cli("service", "register", definition(name, second).toString()).ok();
            CliResult lost = Workload.fetchUntilFails(first, prod.socket(), PROPAGATION);
            assertThat(lost.stderr()).as(lost::toString).isEqualTo(DENIED);
            assertThat(ids(Workload.fetchUntilOk(second, prod.socket(), PROPAGATION))).containsExactly(id);
            CliResult secondOnDev = Workload.fetch(second, dev.socket());
            assertThat(secondOnDev.stderr()).as(secondOnDev::toString).isEqualTo(DENIED);

            server.cli("service", "deregister", name).ok();
            assertThat(Workload.fetchUntilFails(second, prod.socket(), PROPAGATION).stderr()).isEqualTo(DENIED);
        } finally {
            server.cli("service", "deregister", name); // idempotent clean-up for the shared server
        }
    }

    private static List<String> ids(CliResult r) {
        List<String> out = new ArrayList<>();
        r.json().get("svids").forEach(s -> out.add(s.get("spiffe_id").asText()));
        return out;
    }
}
