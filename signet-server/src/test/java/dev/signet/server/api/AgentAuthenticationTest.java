package dev.signet.server.api;

import static dev.signet.server.api.TestServer.assertStatus;
import static dev.signet.server.api.TestServer.entry;
import static dev.signet.server.api.TestServer.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Csrs;
import dev.signet.proto.admin.v1.AgentRef;
import dev.signet.proto.agent.v1.AgentApiGrpc;
import dev.signet.proto.agent.v1.BatchNewX509SVIDRequest;
import dev.signet.proto.agent.v1.RenewAgentRequest;
import dev.signet.proto.agent.v1.RenewAgentResponse;
import dev.signet.proto.agent.v1.SyncAuthorizedRequest;
import dev.signet.proto.agent.v1.X509SVIDParams;
import io.grpc.Status;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Agent authentication on every call but AttestAgent, ban, evict and SVID renewal (SPIRE §4.4–4.6). */
class AgentAuthenticationTest {
    @TempDir
    Path dir;
    private TestServer ts;
    private TestServer.AgentIdentity agent;

    @BeforeEach
    void start() throws Exception {
        ts = TestServer.start(dir, Clock.systemUTC());
        agent = ts.attestNew(Map.of());
        ts.createEntry(entry("w", "spiffe://td/w").setParentId(agent.id().toString()).build());
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    private static BatchNewX509SVIDRequest oneCsr() {
        return TestServer.oneCsr("w");
    }

    private static RenewAgentRequest renewRequest(KeyPair kp) {
        return RenewAgentRequest.newBuilder().setCsr(ByteString.copyFrom(Csrs.create(kp))).build();
    }

    /** A call that needs the agent role, made as {@code who}: SyncAuthorized's first message or its error. */
    private Status syncStatus(AgentApiGrpc.AgentApiBlockingStub stub) {
        try {
            stub.syncAuthorized(SyncAuthorizedRequest.getDefaultInstance()).next();
            return Status.OK;
        } catch (io.grpc.StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    @Test
    void callsWithoutClientCertificateAreUnauthenticated() {
        AgentApiGrpc.AgentApiBlockingStub anon = ts.anonymous();

        assertStatus(failure(() -> anon.batchNewX509SVID(oneCsr())), Status.Code.UNAUTHENTICATED, "agent SVID required");
        assertStatus(failure(() -> anon.renewAgent(renewRequest(Crypto.generate(Crypto.KeyType.EC_P256)))),
                Status.Code.UNAUTHENTICATED, "agent SVID required");
        assertStatus(syncStatus(anon), Status.Code.UNAUTHENTICATED, "agent SVID required");
    }

    @Test
    void clientCertificateFromAForeignCaFailsTheHandshake() {
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
        List<X509Certificate> forged = Pki.foreignAgentSvid(TestServer.TD, agent.id(), kp);
        AgentApiGrpc.AgentApiBlockingStub stub = AgentApiGrpc.newBlockingStub(ts.channel(forged, kp.getPrivate()))
                .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS);

        Status s = failure(() -> stub.batchNewX509SVID(oneCsr()));

        assertThat(s.getCode()).as("%s", s).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void X2_leafWithTwoUriSansFailsTheHandshakeEvenFromTheRealCa() {
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
        X509Certificate two = Pki.leafWithUris(ts.server.ca().current(), kp, agent.id().toString(), "spiffe://td/signet/agent/join_token/other");
        AgentApiGrpc.AgentApiBlockingStub stub = AgentApiGrpc.newBlockingStub(ts.channel(List.of(two), kp.getPrivate()))
                .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(failure(() -> stub.batchNewX509SVID(oneCsr())).getCode()).isEqualTo(Status.Code.UNAVAILABLE);

        // The same construction with one URI SAN is accepted: the refusal above is about the second SAN.
        X509Certificate one = Pki.leafWithUris(ts.server.ca().current(), kp, agent.id().toString());
        Status notActive = failure(() -> ts.as(new TestServer.AgentIdentity(agent.id(), List.of(one), kp.getPrivate())).batchNewX509SVID(oneCsr()));
        assertStatus(notActive, Status.Code.PERMISSION_DENIED, "not active");
    }

    @Test
    void validSvidOfAnAgentThatNeverAttestedIsRefused() throws Exception {
        // Signed by the real CA, but for an ID the server has no record of.
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
        SpiffeId ghost = SpiffeId.parse("spiffe://td/signet/agent/join_token/ghost");
        X509Certificate leaf = ts.server.ca().signX509Svid(ghost, kp.getPublic(), java.time.Duration.ofMinutes(5), List.of()).get(0);
        TestServer.AgentIdentity g = new TestServer.AgentIdentity(ghost, List.of(leaf), kp.getPrivate());

        assertStatus(failure(() -> ts.as(g).batchNewX509SVID(oneCsr())), Status.Code.PERMISSION_DENIED, "not attested");
    }

    @Test
    void workloadSvidIsNotAnAgentCredential() throws Exception {
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
        X509Certificate workload = Certificates.parse(ts.as(agent).batchNewX509SVID(BatchNewX509SVIDRequest.newBuilder()
                .addParams(X509SVIDParams.newBuilder().setEntryId("w").setCsr(ByteString.copyFrom(Csrs.create(kp))))
                .build()).getResults(0).getSvidChain(0).toByteArray());
        TestServer.AgentIdentity w = new TestServer.AgentIdentity(SpiffeId.parse("spiffe://td/w"), List.of(workload), kp.getPrivate());

        assertStatus(failure(() -> ts.as(w).batchNewX509SVID(oneCsr())), Status.Code.PERMISSION_DENIED, "not an agent");
    }

    @Test
    void banEndsTheOpenStreamAndRefusesFurtherCalls() throws Exception {
        try (SyncStream stream = SyncStream.open(ts.asyncAs(agent))) {
            assertThat(stream.next().getEntriesCount()).isEqualTo(1);

            ts.admin().banAgent(AgentRef.newBuilder().setSpiffeId(agent.id().toString()).build());

            assertStatus(stream.awaitEnd(), Status.Code.PERMISSION_DENIED, "banned");
        }
        assertStatus(failure(() -> ts.as(agent).batchNewX509SVID(oneCsr())), Status.Code.PERMISSION_DENIED, "banned");
        assertStatus(failure(() -> ts.as(agent).renewAgent(renewRequest(Crypto.generate(Crypto.KeyType.EC_P256)))),
                Status.Code.PERMISSION_DENIED, "banned");
        assertStatus(syncStatus(ts.as(agent)), Status.Code.PERMISSION_DENIED, "banned");
        var record = ts.agentRecord(agent.id());
        assertThat(record.getBanned()).isTrue();
        assertThat(record.getCertSerial()).isEmpty();
    }

    @Test
    void evictEndsTheOpenStreamAndRefusesFurtherCalls() throws Exception {
        try (SyncStream stream = SyncStream.open(ts.asyncAs(agent))) {
            assertThat(stream.next().getEntriesCount()).isEqualTo(1);

            ts.admin().evictAgent(AgentRef.newBuilder().setSpiffeId(agent.id().toString()).build());

            assertStatus(stream.awaitEnd(), Status.Code.PERMISSION_DENIED, "not attested");
        }
        assertStatus(failure(() -> ts.as(agent).batchNewX509SVID(oneCsr())), Status.Code.PERMISSION_DENIED, "not attested");
        assertStatus(syncStatus(ts.as(agent)), Status.Code.PERMISSION_DENIED, "not attested");
        assertThat(ts.admin().listAgents(dev.signet.proto.admin.v1.ListAgentsRequest.getDefaultInstance()).getAgentsList())
                .noneMatch(a -> a.getSpiffeId().equals(agent.id().toString()));
    }

    @Test
    void banOrEvictOfOneAgentLeavesOthersAlone() throws Exception {
        TestServer.AgentIdentity other = ts.attestNew(Map.of());
        try (SyncStream stream = SyncStream.open(ts.asyncAs(other))) {
            assertThat(stream.next().getEntriesCount()).isZero();
            ts.admin().banAgent(AgentRef.newBuilder().setSpiffeId(agent.id().toString()).build());
            // Still open and served: a new entry for it arrives.
            ts.createEntry(entry("o", "spiffe://td/o").setParentId(other.id().toString()).build());
            assertThat(stream.next().getEntries(0).getId()).isEqualTo("o");
        }
        assertThat(ts.as(other).batchNewX509SVID(BatchNewX509SVIDRequest.newBuilder()
                .addParams(X509SVIDParams.newBuilder().setEntryId("o")
                        .setCsr(ByteString.copyFrom(Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256)))))
                .build()).getResults(0).getError()).isEmpty();
    }

    @Test
    void renewedSvidSupersedesTheOldOneOnFirstUse() throws Exception {
        KeyPair newKey = Crypto.generate(Crypto.KeyType.EC_P256);
        RenewAgentResponse r = ts.as(agent).renewAgent(renewRequest(newKey));

        List<X509Certificate> newChain = r.getSvidChainList().stream().map(b -> Certificates.parse(b.toByteArray())).toList();
        X509Certificate newLeaf = newChain.get(0);
        assertThat(Pki.sans(newLeaf, 6)).containsExactly(agent.id().toString());
        assertThat(newLeaf.getPublicKey()).isEqualTo(newKey.getPublic());
        assertThat(newLeaf.getSerialNumber()).isNotEqualTo(agent.leaf().getSerialNumber());
        Pki.assertValidates(newChain, ts.bundle());
        Pki.assertLeafProfile(newLeaf, ts.bundle().get(0));
        TestServer.AgentIdentity renewed = new TestServer.AgentIdentity(agent.id(), newChain, newKey.getPrivate());

        // Until the new SVID is used, the old one is still the current one.
        assertThat(ts.agentRecord(agent.id()).getCertSerial()).isEqualTo(agent.leaf().getSerialNumber().toString(16));
        assertThat(ts.as(agent).batchNewX509SVID(oneCsr()).getResults(0).getError()).isEmpty();

        // First use of the new SVID promotes it...
        assertThat(ts.as(renewed).batchNewX509SVID(oneCsr()).getResults(0).getError()).isEmpty();
        assertThat(ts.agentRecord(agent.id()).getCertSerial()).isEqualTo(newLeaf.getSerialNumber().toString(16));

        // ...after which the old one is refused, and the new one keeps working.
        assertStatus(failure(() -> ts.as(agent).batchNewX509SVID(oneCsr())), Status.Code.PERMISSION_DENIED, "not active");
        assertStatus(syncStatus(ts.as(agent)), Status.Code.PERMISSION_DENIED, "not active");
        assertThat(ts.as(renewed).batchNewX509SVID(oneCsr()).getResults(0).getError()).isEmpty();
    }

    @Test
    void renewWithMalformedCsrIsInvalidArgumentAndChangesNothing() {
        Status s = failure(() -> ts.as(agent).renewAgent(RenewAgentRequest.newBuilder().setCsr(ByteString.copyFromUtf8("nope")).build()));

        assertStatus(s, Status.Code.INVALID_ARGUMENT, "csr: ");
        assertThat(ts.agentRecord(agent.id()).getCertSerial()).isEqualTo(agent.leaf().getSerialNumber().toString(16));
        assertThat(ts.as(agent).batchNewX509SVID(oneCsr()).getResults(0).getError()).isEmpty();
    }
}
