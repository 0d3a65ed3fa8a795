package dev.signet.server.api;

import static dev.signet.server.api.TestServer.assertStatus;
import static dev.signet.server.api.TestServer.entry;
import static dev.signet.server.api.TestServer.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Csrs;
import dev.signet.proto.agent.v1.BatchNewX509SVIDRequest;
import dev.signet.proto.agent.v1.BatchNewX509SVIDResponse;
import dev.signet.proto.agent.v1.X509SVIDParams;
import dev.signet.proto.agent.v1.X509SVIDResult;
import dev.signet.server.api.agent.AgentApiService;
import dev.signet.testing.ManualClock;
import io.grpc.Status;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BatchNewX509SVID: identity, TTL and DNS names come from the entry; the CSR contributes only its key (SPIRE §5.2). */
class AgentSvidSigningTest {
    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private TestServer ts;
    private TestServer.AgentIdentity agent;
    private TestServer.AgentIdentity other;

    @BeforeEach
    void start() throws Exception {
        ts = TestServer.start(dir, clock);
        agent = ts.attestNew(Map.of("env", "prod"));
        other = ts.attestNew(Map.of("env", "dev"));
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    private static X509SVIDParams params(String entryId, byte[] csr) {
        return X509SVIDParams.newBuilder().setEntryId(entryId).setCsr(ByteString.copyFrom(csr)).build();
    }

    private static X509Certificate leaf(X509SVIDResult r) {
        assertThat(r.getError()).as("error of %s", r.getEntryId()).isEmpty();
        assertThat(r.getSvidChainCount()).isEqualTo(1);
        return Certificates.parse(r.getSvidChain(0).toByteArray());
    }

    @Test
    void identityTtlAndDnsNamesComeFromTheEntryNotTheCsr() throws Exception {
        ts.createEntry(entry("web", "spiffe://td/web").setParentId(agent.id().toString())
                .setX509TtlSeconds(600).addDnsNames("web.td.test").addDnsNames("api.td.test").build());
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);

        BatchNewX509SVIDResponse r = ts.as(agent).batchNewX509SVID(BatchNewX509SVIDRequest.newBuilder()
                .addParams(params("web", Pki.greedyCsr(kp))).build());

        assertThat(r.getResultsCount()).isEqualTo(1);
        assertThat(r.getResults(0).getEntryId()).isEqualTo("web");
        X509Certificate leaf = leaf(r.getResults(0));
        assertThat(Pki.sans(leaf, 6)).containsExactly("spiffe://td/web");
        assertThat(Pki.sans(leaf, 2)).containsExactly("web.td.test", "api.td.test");
        assertThat(leaf.getSubjectX500Principal().getName()).contains("CN=web.td.test").doesNotContain("evil");
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getPublicKey()).isEqualTo(kp.getPublic());
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(clock.instant().plusSeconds(600));
        assertThat(leaf.getNotBefore().toInstant()).isBeforeOrEqualTo(clock.instant());
        List<X509Certificate> bundle = ts.bundle();
        Pki.assertValidates(List.of(leaf), bundle);
        Pki.assertLeafProfile(leaf, bundle.get(0));
    }

    @Test
    void entryWithoutTtlGetsTheServerDefault() throws Exception {
        ts.createEntry(entry("plain", "spiffe://td/plain").setAnyNode(true).build());

        X509Certificate leaf = leaf(ts.as(agent).batchNewX509SVID(BatchNewX509SVIDRequest.newBuilder()
                .addParams(params("plain", Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256)))).build()).getResults(0));

        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(clock.instant().plus(TestServer.DEFAULT_X509_TTL));
        assertThat(Pki.sans(leaf, 2)).isEmpty();
        Pki.assertLeafProfile(leaf, ts.bundle().get(0));
    }

    @Test
    void ttlLongerThanTheCaIsCappedAtTheCaNotAfter() throws Exception {
        ts.createEntry(entry("long", "spiffe://td/long").setAnyNode(true).setX509TtlSeconds((int) Duration.ofDays(30).toSeconds()).build());

        X509Certificate leaf = leaf(ts.as(agent).batchNewX509SVID(BatchNewX509SVIDRequest.newBuilder()
                .addParams(params("long", Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256)))).build()).getResults(0));

        X509Certificate ca = ts.server.ca().current().certificate();
        assertThat(leaf.getNotAfter()).isEqualTo(ca.getNotAfter());
        Pki.assertValidates(List.of(leaf), ts.bundle());
    }

    @Test
    void unauthorizedOrUnknownEntriesFailPerEntry() throws Exception {
        ts.createEntry(entry("mine", "spiffe://td/mine").setParentId(agent.id().toString()).build());
        ts.createEntry(entry("theirs", "spiffe://td/theirs").setParentId(other.id().toString()).build());
        ts.createEntry(entry("dev-nodes", "spiffe://td/dev").addNodeSelectors(TestServer.sel("join_token", "label:env:dev")).build());
        byte[] csr = Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256));

        BatchNewX509SVIDResponse r = ts.as(agent).batchNewX509SVID(BatchNewX509SVIDRequest.newBuilder()
                .addParams(params("theirs", csr))
                .addParams(params("mine", csr))
                .addParams(params("dev-nodes", csr))
                .addParams(params("no-such-entry", csr))
                .build());

        assertThat(r.getResultsList()).extracting(X509SVIDResult::getEntryId).containsExactly("theirs", "mine", "dev-nodes", "no-such-entry");
        for (int i : new int[] {0, 2, 3}) {
            assertThat(r.getResults(i).getError()).isEqualTo("entry not found or not authorized");
            assertThat(r.getResults(i).getSvidChainCount()).isZero();
        }
        assertThat(Pki.sans(leaf(r.getResults(1)), 6)).containsExactly("spiffe://td/mine");

        // The other agent is authorized for its own entries.
        BatchNewX509SVIDResponse theirs = ts.as(other).batchNewX509SVID(BatchNewX509SVIDRequest.newBuilder()
                .addParams(params("theirs", csr)).addParams(params("dev-nodes", csr)).addParams(params("mine", csr)).build());
        assertThat(Pki.sans(leaf(theirs.getResults(0)), 6)).containsExactly("spiffe://td/theirs");
        assertThat(Pki.sans(leaf(theirs.getResults(1)), 6)).containsExactly("spiffe://td/dev");
        assertThat(theirs.getResults(2).getError()).isEqualTo("entry not found or not authorized");
    }

    @Test
    void badCsrFailsOnlyItsOwnEntry() throws Exception {
        ts.createEntry(entry("a", "spiffe://td/a").setAnyNode(true).build());
        ts.createEntry(entry("b", "spiffe://td/b").setAnyNode(true).build());
        byte[] bad = Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256));
        bad[bad.length - 5] ^= 0x01;

        BatchNewX509SVIDResponse r = ts.as(agent).batchNewX509SVID(BatchNewX509SVIDRequest.newBuilder()
                .addParams(params("a", bad)).addParams(params("b", Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256)))).build());

        assertThat(r.getResults(0).getError()).startsWith("csr: ");
        assertThat(r.getResults(0).getSvidChainCount()).isZero();
        assertThat(Pki.sans(leaf(r.getResults(1)), 6)).containsExactly("spiffe://td/b");
    }

    @Test
    void atMost500CsrsPerBatch() {
        byte[] csr = Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256));
        BatchNewX509SVIDRequest.Builder b = BatchNewX509SVIDRequest.newBuilder();
        for (int i = 0; i < AgentApiService.MAX_BATCH; i++) {
            b.addParams(params("unknown-" + i, csr));
        }
        assertThat(AgentApiService.MAX_BATCH).isEqualTo(500);

        BatchNewX509SVIDResponse full = ts.as(agent).batchNewX509SVID(b.build());
        assertThat(full.getResultsCount()).isEqualTo(500);
        assertThat(full.getResults(499).getEntryId()).isEqualTo("unknown-499");

        b.addParams(params("unknown-500", csr));
        Status s = failure(() -> ts.as(agent).batchNewX509SVID(b.build()));
        assertStatus(s, Status.Code.INVALID_ARGUMENT, "too many CSRs in one batch: 501 (at most 500)");
    }
}
