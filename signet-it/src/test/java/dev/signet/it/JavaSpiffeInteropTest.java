package dev.signet.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.it.harness.CliResult;
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
 * The reference Java client, the unmodified java-spiffe library (0.8.11, with its own grpc), in its own JVM
 * and classpath, as a workload under another uid (see interop/java-spiffe, JavaSpiffeClient).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class JavaSpiffeInteropTest {
    private SignetServer server;
    private SignetAgent agent;

    @BeforeAll
    void cluster() {
        SharedCluster c = SharedCluster.get();
        server = c.server();
        agent = c.agent();
    }

    @Test
    void javaSpiffeX509SourceGetsTheSvidAndItsChainValidatesAgainstTheBundle() {
        Uids.assumeRoot();
        Uid uid = Uids.unlisted();
        String id = SignetServer.id("/it/java-spiffe/client");
        server.createEntry("--spiffe-id", id, "--any-node", "--selector", uid.selector());
        // The entry reaches the agent asynchronously: wait until the agent serves it before asking java-spiffe.
        Workload.fetchUntilOk(uid, agent.socket(), Duration.ofSeconds(30));

        CliResult r = Workload.javaSpiffe(uid, agent.socket(), 10);

        assertThat(r.exit()).as(r::toString).isZero();
        assertThat(r.stdout().lines().toList()).as(r::toString).containsExactly(
                "{\"spiffe_id\":\"" + id + "\"}",
                "{\"chain\":\"valid\",\"bundle_authorities\":1}");
    }

    @Test
    void W18_W24_javaSpiffeJwtSourceFetchesAJwtSvidThatValidatesLocallyAndThroughTheAgent() {
        Uids.assumeRoot();
        Uid uid = Uids.unlisted();
        String id = SignetServer.id("/it/java-spiffe/jwt");
        server.createEntry("--spiffe-id", id, "--any-node", "--selector", uid.selector());
        Workload.fetchUntilOk(uid, agent.socket(), Duration.ofSeconds(30));

        CliResult r = Workload.javaSpiffe(uid, agent.socket(), 10, "jwt", "https://backend.example.org");

        assertThat(r.exit()).as(r::toString).isZero();
        List<String> lines = r.stdout().lines().toList();
        assertThat(lines).as(r::toString).hasSize(4);
        // DefaultJwtSource.fetchJwtSvid (java-spiffe's parseInsecure has checked sub, aud ⊇ requested, exp)
        assertThat(lines.get(0)).as(r::toString).isEqualTo("{\"spiffe_id\":\"" + id + "\",\"audience\":[\"https://backend.example.org\"]}");
        // JwtSvid.parseAndValidate against the source's JWT bundles: kid lookup, signature, alg, typ, exp (no leeway)
        assertThat(lines.get(1)).as(r::toString).isEqualTo("{\"local\":\"valid\",\"spiffe_id\":\"" + id + "\"}");
        // DefaultWorkloadApiClient.validateJwtSvid: ValidateJWTSVID, non-blank spiffe_id, then parseInsecure
        assertThat(lines.get(2)).as(r::toString).isEqualTo("{\"agent\":\"valid\",\"spiffe_id\":\"" + id + "\"}");
        assertThat(lines.get(3)).as(r::toString).isEqualTo("{\"wrong_audience\":\"rejected\",\"reason\":\"JwtSvidException:"
                + " expected audience in [https://backend.example.org-other] (audience=[https://backend.example.org])\"}");
    }

    @Test
    void W13_javaSpiffeWithoutEntryFailsAtItsInitTimeoutInsteadOfHanging() {
        Uids.assumeRoot();
        Uid stranger = Uids.unlisted();
        long start = System.nanoTime();

        CliResult r = Workload.javaSpiffe(stranger, agent.socket(), 3);

        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(r.exit()).as(r::toString).isEqualTo(1);
        assertThat(r.stdout()).as(r::toString).isEmpty();
        List<String> errors = r.stderr().lines().filter(l -> l.startsWith("error: ")).toList();
        assertThat(errors).as(r::toString).containsExactly(
                "error: X509SourceException: Error creating X.509 source"
                        + " (caused by TimeoutException: Timeout waiting for X.509 Context update)");
        // java-spiffe retries PERMISSION_DENIED (W-13: clients MAY retry); what the agent answered is in its log.
        assertThat(r.stderr()).as(r::toString).contains("PERMISSION_DENIED: no identity issued");
        assertThat(took).as("gave up at the init timeout (3 s) plus JVM start, not later").isLessThan(Duration.ofSeconds(30));
    }
}
