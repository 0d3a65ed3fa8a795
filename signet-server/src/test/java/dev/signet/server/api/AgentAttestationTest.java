package dev.signet.server.api;

import static dev.signet.server.api.TestServer.assertStatus;
import static dev.signet.server.api.TestServer.failure;
import static dev.signet.server.api.TestServer.joinTokenRequest;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Csrs;
import dev.signet.proto.admin.v1.CreateJoinTokenRequest;
import dev.signet.proto.agent.v1.AttestAgentRequest;
import dev.signet.proto.agent.v1.AttestAgentResponse;
import dev.signet.proto.common.v1.Agent;
import dev.signet.proto.common.v1.Selector;
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

/** AttestAgent with the join_token attestor against a real server (SPIRE §4.1, §4.2). */
class AgentAttestationTest {
    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private TestServer ts;

    @BeforeEach
    void start() throws Exception {
        ts = TestServer.start(dir, clock);
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    @Test
    void joinTokenYieldsAgentSvidThatValidatesAgainstTheBundle() throws Exception {
        String token = ts.token(Map.of());
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);

        AttestAgentResponse r = ts.attestClient().attestAgent(joinTokenRequest(token, Csrs.create(kp)));

        String expectedId = "spiffe://td/signet/agent/join_token/" + token;
        assertThat(r.getSpiffeId()).isEqualTo(expectedId);
        assertThat(r.getSvidChainCount()).isEqualTo(1);
        X509Certificate leaf = Certificates.parse(r.getSvidChain(0).toByteArray());
        assertThat(Pki.sans(leaf, 6)).containsExactly(expectedId);
        assertThat(leaf.getPublicKey()).isEqualTo(kp.getPublic());
        List<X509Certificate> bundle = ts.bundle();
        Pki.assertValidates(List.of(leaf), bundle);
        Pki.assertLeafProfile(leaf, bundle.get(0));
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(clock.instant().plus(TestServer.AGENT_TTL));
        assertThat(r.getBundle().getTrustDomain()).isEqualTo("td");
        assertThat(r.getBundle().getX509AuthoritiesList()).isEqualTo(ts.bundleDer());

        Agent a = ts.agentRecord(dev.signet.core.spiffeid.SpiffeId.parse(expectedId));
        assertThat(a.getAttestationType()).isEqualTo("join_token");
        assertThat(a.getCertSerial()).isEqualTo(leaf.getSerialNumber().toString(16));
        assertThat(a.getCertNotAfterUnix()).isEqualTo(leaf.getNotAfter().toInstant().getEpochSecond());
        assertThat(a.getBanned()).isFalse();
        assertThat(a.getSelectorsList()).isEmpty();
    }

    @Test
    void serverPresentsItsOwnSvidValidForLocalhost() throws Exception {
        List<X509Certificate> chain = ts.presentedServerChain();

        assertThat(chain).hasSize(1);
        X509Certificate leaf = chain.get(0);
        assertThat(Pki.sans(leaf, 6)).containsExactly("spiffe://td/signet/server");
        assertThat(Pki.sans(leaf, 2)).containsExactly("localhost");
        List<X509Certificate> bundle = ts.bundle();
        Pki.assertValidates(chain, bundle);
        Pki.assertLeafProfile(leaf, bundle.get(0));
    }

    @Test
    void agentIdComesFromTheTokenNotFromTheCsr() throws Exception {
        String token = ts.token(Map.of());
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);

        AttestAgentResponse r = ts.attestClient().attestAgent(joinTokenRequest(token, Pki.greedyCsr(kp)));

        X509Certificate leaf = Certificates.parse(r.getSvidChain(0).toByteArray());
        assertThat(Pki.sans(leaf, 6)).containsExactly("spiffe://td/signet/agent/join_token/" + token);
        assertThat(Pki.sans(leaf, 2)).isEmpty();
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getSubjectX500Principal().getName()).doesNotContain("evil");
    }

    @Test
    void tokenWorksOnlyOnce() {
        String token = ts.token(Map.of());
        ts.attest(token);

        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
        Status s = failure(() -> ts.attestClient().attestAgent(joinTokenRequest(token, Csrs.create(kp))));

        assertStatus(s, Status.Code.PERMISSION_DENIED, "join_token: token is unknown or was already used");
    }

    @Test
    void racingAgentsWithOneTokenYieldExactlyOneAgent() throws Exception {
        String token = ts.token(Map.of());
        int racers = 6;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(racers);
        try {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<Status>> results = new java.util.ArrayList<>();
            for (int i = 0; i < racers; i++) {
                var stub = ts.attestClient();
                byte[] csr = Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256));
                results.add(pool.submit(() -> {
                    go.await();
                    try {
                        stub.attestAgent(joinTokenRequest(token, csr));
                        return Status.OK;
                    } catch (io.grpc.StatusRuntimeException e) {
                        return e.getStatus();
                    }
                }));
            }
            go.countDown();
            List<Status.Code> codes = new java.util.ArrayList<>();
            for (var f : results) {
                codes.add(f.get(30, java.util.concurrent.TimeUnit.SECONDS).getCode());
            }
            assertThat(codes).filteredOn(c -> c == Status.Code.OK).hasSize(1);
            assertThat(codes).filteredOn(c -> c == Status.Code.PERMISSION_DENIED).hasSize(racers - 1);
            assertThat(ts.admin().listAgents(dev.signet.proto.admin.v1.ListAgentsRequest.getDefaultInstance()).getAgentsCount()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void unknownTokenIsRefused() {
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
        Status s = failure(() -> ts.attestClient().attestAgent(joinTokenRequest("never-issued", Csrs.create(kp))));

        assertStatus(s, Status.Code.PERMISSION_DENIED, "join_token: token is unknown or was already used");
        assertThat(ts.admin().listAgents(dev.signet.proto.admin.v1.ListAgentsRequest.getDefaultInstance()).getAgentsCount()).isZero();
    }

    @Test
    void expiredTokenIsRefusedAndConsumed() {
        String token = ts.admin().createJoinToken(CreateJoinTokenRequest.newBuilder().setTtlSeconds(60).build()).getToken();
        clock.advance(Duration.ofSeconds(60)); // expiry instant itself is already too late

        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
        Status s = failure(() -> ts.attestClient().attestAgent(joinTokenRequest(token, Csrs.create(kp))));
        assertStatus(s, Status.Code.PERMISSION_DENIED, "join_token: token expired at " + clock.instant());

        // SPIRE §4.2: the token is deleted even though it had expired.
        Status again = failure(() -> ts.attestClient().attestAgent(joinTokenRequest(token, Csrs.create(kp))));
        assertStatus(again, Status.Code.PERMISSION_DENIED, "unknown or was already used");
        assertThat(ts.admin().listAgents(dev.signet.proto.admin.v1.ListAgentsRequest.getDefaultInstance()).getAgentsCount()).isZero();
    }

    @Test
    void tokenIsValidUntilJustBeforeItsExpiry() {
        String token = ts.admin().createJoinToken(CreateJoinTokenRequest.newBuilder().setTtlSeconds(60).build()).getToken();
        clock.advance(Duration.ofSeconds(59));

        assertThat(ts.attest(token).id().toString()).isEqualTo("spiffe://td/signet/agent/join_token/" + token);
    }

    @Test
    void unknownAttestorIsInvalidArgument() {
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
        AttestAgentRequest req = AttestAgentRequest.newBuilder().setAttestor("tpm_devid")
                .setPayload(ByteString.copyFromUtf8("{}")).setCsr(ByteString.copyFrom(Csrs.create(kp))).build();

        Status s = failure(() -> ts.attestClient().attestAgent(req));

        assertStatus(s, Status.Code.INVALID_ARGUMENT, "unknown node attestor \"tpm_devid\"");
        assertThat(s.getDescription()).contains("join_token");
    }

    @Test
    void malformedCsrIsInvalidArgumentAndDoesNotConsumeTheToken() {
        String token = ts.token(Map.of());

        Status garbage = failure(() -> ts.attestClient().attestAgent(joinTokenRequest(token, new byte[] {0x30, 0x03, 0x02, 0x01, 0x00})));
        assertStatus(garbage, Status.Code.INVALID_ARGUMENT, "csr: malformed CSR");

        byte[] csr = Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256));
        csr[csr.length - 5] ^= 0x01; // inside the signature
        Status badSignature = failure(() -> ts.attestClient().attestAgent(joinTokenRequest(token, csr)));
        assertThat(badSignature.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badSignature.getDescription()).startsWith("csr: ");

        Status empty = failure(() -> ts.attestClient().attestAgent(joinTokenRequest(token, new byte[0])));
        assertStatus(empty, Status.Code.INVALID_ARGUMENT, "csr: ");

        // The refused requests changed nothing: the token still works.
        assertThat(ts.attest(token).id().toString()).endsWith("/join_token/" + token);
    }

    @Test
    void tokenLabelsBecomeNodeSelectors() {
        String token = ts.token(Map.of("env", "prod", "zone", "eu-west/1a", "role", "db:primary"));

        var agent = ts.attest(token);

        Agent a = ts.agentRecord(agent.id());
        assertThat(a.getSelectorsList()).containsExactly(
                Selector.newBuilder().setType("join_token").setValue("label:env:prod").build(),
                Selector.newBuilder().setType("join_token").setValue("label:role:db:primary").build(),
                Selector.newBuilder().setType("join_token").setValue("label:zone:eu-west/1a").build());
    }
}
