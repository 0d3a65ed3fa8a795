package dev.signet.server.api;

import static dev.signet.server.api.TestServer.assertStatus;
import static dev.signet.server.api.TestServer.failure;
import static dev.signet.server.api.TestServer.sel;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.signet.agent.attestor.node.NodeAttestorClient;
import dev.signet.agent.attestor.node.k8spsat.K8sPsatClient;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Csrs;
import dev.signet.proto.admin.v1.ListAgentsRequest;
import dev.signet.proto.agent.v1.AttestAgentRequest;
import dev.signet.proto.agent.v1.AttestAgentResponse;
import dev.signet.proto.agent.v1.BatchNewX509SVIDRequest;
import dev.signet.proto.agent.v1.BatchNewX509SVIDResponse;
import dev.signet.proto.agent.v1.SyncAuthorizedResponse;
import dev.signet.proto.agent.v1.X509SVIDParams;
import dev.signet.proto.catalog.v1.CatalogApiGrpc;
import dev.signet.proto.catalog.v1.RegisterServiceRequest;
import dev.signet.proto.catalog.v1.SelectorSet;
import dev.signet.proto.catalog.v1.ServiceDefinition;
import dev.signet.proto.common.v1.Agent;
import dev.signet.proto.common.v1.Entry;
import dev.signet.testing.platform.kubernetes.FakeKubernetesApi;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The k8s_psat node attestor end to end: the real agent-side client reads its projected token and drives the
 * AttestAgent stream of a real in-process server, which asks a Kubernetes API test double over TLS. Covers the
 * agent record, re-attestation, the statuses of every kind of refusal (including the attacks of issue 5: a token
 * for the wrong audience, a token of another cluster, a token of a recreated pod), and k8s_psat node selectors in
 * raw entries and in catalog service definitions.
 */
class K8sPsatAttestationTest {
    private static final String NODE_A = "worker-a";
    private static final String NODE_A_UID = "6f1d2c3b-aaaa-4e5f-8a9b-0c1d2e3f4a5b";
    private static final String NODE_B = "worker-b";
    private static final String NODE_B_UID = "6f1d2c3b-bbbb-4e5f-8a9b-0c1d2e3f4a5b";
    private static final String POD_A = "signet-agent-4qzx9";
    private static final String POD_A_UID = "a1a1a1a1-1111-4111-8111-111111111111";
    private static final String POD_B = "signet-agent-canary-77kfd";
    private static final String POD_B_UID = "b2b2b2b2-2222-4222-8222-222222222222";

    @TempDir
    static Path apis;
    static FakeKubernetesApi prod;
    static FakeKubernetesApi staging;

    @TempDir
    Path dir;
    private TestServer ts;

    @BeforeAll
    static void startApis() throws Exception {
        prod = FakeKubernetesApi.start(apis.resolve("prod"));
        staging = FakeKubernetesApi.start(apis.resolve("staging"));
    }

    @AfterAll
    static void stopApis() {
        prod.close();
        staging.close();
    }

    @BeforeEach
    void start() throws Exception {
        for (FakeKubernetesApi api : List.of(prod, staging)) {
            api.failWith(0);
            api.addNode(NODE_A, NODE_A_UID, Map.of("topology.kubernetes.io/zone", "zone-a"));
            api.addNode(NODE_B, NODE_B_UID, Map.of("topology.kubernetes.io/zone", "zone-b"));
            api.addPod("signet", POD_A, POD_A_UID, "signet-agent", NODE_A, "172.18.0.2", Map.of("app", "signet-agent"));
            api.addPod("signet-canary", POD_B, POD_B_UID, "signet-agent", NODE_B, "172.18.0.3", Map.of("app", "signet-agent-canary"));
        }
        String hcl = "node_attestor \"k8s_psat\" {\n clusters = {\n"
                + "  \"prod-cluster\" = {\n   service_account_allow_list = [\"signet:signet-agent\", \"signet-canary:signet-agent\"]\n"
                + "   allowed_node_label_keys = [\"topology.kubernetes.io/zone\"]\n   allowed_pod_label_keys = [\"app\"]\n   "
                + prod.connectionHcl() + "  }\n"
                + "  \"staging\" = {\n   service_account_allow_list = [\"signet:signet-agent\"]\n   " + staging.connectionHcl() + "  }\n"
                + " }\n}\n";
        ConfigBlock block = ConfigBlock.parse("server.hcl", hcl).block("node_attestor").block("k8s_psat");
        ts = TestServer.start(dir, Clock.systemUTC(), c -> c.withNodeAttestors(Map.of("k8s_psat", block)));
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    /** The agent's side, configured as an agent's HCL would: token file written where the kubelet would project it. */
    private NodeAttestorClient agentClient(String cluster, String token) throws IOException {
        Path tokenFile = Files.createTempFile(dir, "signet-agent-token", "");
        Files.writeString(tokenFile, token);
        ConfigBlock block = ConfigBlock.parse("agent.hcl", "node_attestor \"k8s_psat\" {\n cluster = \"" + cluster
                + "\"\n token_path = \"" + tokenFile + "\"\n}\n").block("node_attestor").block("k8s_psat");
        return K8sPsatClient.fromConfig(block);
    }

    /** Runs the AttestAgent stream as the agent does: payload from the client, challenges answered by it. */
    private TestServer.AgentIdentity attest(NodeAttestorClient client) throws IOException {
        KeyPair key = Crypto.generate(Crypto.KeyType.EC_P256);
        AttestAgentRequest first = AttestAgentRequest.newBuilder().setAttestor(client.name())
                .setPayload(ByteString.copyFrom(client.payload())).setCsr(ByteString.copyFrom(Csrs.create(key))).build();
        AttestAgentResponse r = ts.attestClient().attestAgent(first, challenge -> {
            try {
                return client.answer(challenge);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        List<X509Certificate> chain = r.getSvidChainList().stream().map(b -> Certificates.parse(b.toByteArray())).toList();
        return new TestServer.AgentIdentity(SpiffeId.parse(r.getSpiffeId()), chain, key.getPrivate());
    }

    private Status refusal(NodeAttestorClient client) {
        return failure(() -> {
            try {
                attest(client);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private TestServer.AgentIdentity agentA() throws IOException {
        return attest(agentClient("prod-cluster", prod.issueToken("signet", "signet-agent", POD_A, POD_A_UID, "signet-server")));
    }

    private TestServer.AgentIdentity agentB() throws IOException {
        return attest(agentClient("prod-cluster", prod.issueToken("signet-canary", "signet-agent", POD_B, POD_B_UID, "signet-server")));
    }

    private static List<String> ids(SyncAuthorizedResponse m) {
        return m.getEntriesList().stream().map(Entry::getId).toList();
    }

    @Test
    void agentInAPodGetsItsNodeIdentityAndMayAttestAgain() throws Exception {
        TestServer.AgentIdentity a = agentA();

        String expectedId = "spiffe://td/signet/agent/k8s_psat/prod-cluster/" + NODE_A_UID;
        assertThat(a.id().toString()).isEqualTo(expectedId);
        assertThat(Certificates.uriSans(a.leaf())).containsExactly(expectedId);
        Pki.assertValidates(List.of(a.leaf()), ts.bundle());
        Agent record = ts.agentRecord(a.id());
        assertThat(record.getAttestationType()).isEqualTo("k8s_psat");
        assertThat(record.getBanned()).isFalse();
        assertThat(record.getSelectorsList()).containsExactlyInAnyOrder(
                sel("k8s_psat", "cluster:prod-cluster"),
                sel("k8s_psat", "agent_ns:signet"),
                sel("k8s_psat", "agent_sa:signet-agent"),
                sel("k8s_psat", "agent_pod_name:" + POD_A),
                sel("k8s_psat", "agent_pod_uid:" + POD_A_UID),
                sel("k8s_psat", "agent_node_ip:172.18.0.2"),
                sel("k8s_psat", "agent_node_name:" + NODE_A),
                sel("k8s_psat", "agent_node_uid:" + NODE_A_UID),
                sel("k8s_psat", "agent_node_label:topology.kubernetes.io/zone:zone-a"),
                sel("k8s_psat", "agent_pod_label:app:signet-agent"));

        // The DaemonSet pod is replaced on the same node: a fresh token for the new pod re-attests the same agent ID,
        // with the new pod's selectors.
        String newPodUid = "a1a1a1a1-9999-4111-8111-111111111111";
        prod.addPod("signet", "signet-agent-n3w00", newPodUid, "signet-agent", NODE_A, "172.18.0.2", Map.of("app", "signet-agent"));
        TestServer.AgentIdentity again = attest(agentClient("prod-cluster",
                prod.issueToken("signet", "signet-agent", "signet-agent-n3w00", newPodUid, "signet-server")));
        assertThat(again.id()).isEqualTo(a.id());
        assertThat(ts.agentRecord(a.id()).getSelectorsList()).contains(sel("k8s_psat", "agent_pod_uid:" + newPodUid))
                .doesNotContain(sel("k8s_psat", "agent_pod_uid:" + POD_A_UID));
        assertThat(ts.admin().listAgents(ListAgentsRequest.getDefaultInstance()).getAgentsCount()).isEqualTo(1);
    }

    @Test
    void tokenForTheWrongAudienceIsRefused() throws Exception {
        String vaultToken = prod.issueToken("signet", "signet-agent", POD_A, POD_A_UID, "vault");
        assertStatus(refusal(agentClient("prod-cluster", vaultToken)), Status.Code.PERMISSION_DENIED,
                "k8s_psat: cluster \"prod-cluster\": the Kubernetes API did not authenticate the token");
        assertThat(ts.admin().listAgents(ListAgentsRequest.getDefaultInstance()).getAgentsCount()).isZero();
    }

    @Test
    void tokenOfAnotherClusterIsRefused() throws Exception {
        // A valid staging token, right audience, claimed to be from prod: prod's API does not vouch for it.
        String stagingToken = staging.issueToken("signet", "signet-agent", POD_A, POD_A_UID, "signet-server");
        assertStatus(refusal(agentClient("prod-cluster", stagingToken)), Status.Code.PERMISSION_DENIED,
                "k8s_psat: cluster \"prod-cluster\": the Kubernetes API did not authenticate the token");
        // A cluster this server doesn't know.
        String prodToken = prod.issueToken("signet", "signet-agent", POD_A, POD_A_UID, "signet-server");
        assertStatus(refusal(agentClient("dev-cluster", prodToken)), Status.Code.INVALID_ARGUMENT,
                "k8s_psat: cluster \"dev-cluster\" is not configured on this server");
        // The service account allowed in prod is not allowed in staging's list for another namespace.
        String canaryInStaging = staging.issueToken("signet-canary", "signet-agent", POD_B, POD_B_UID, "signet-server");
        assertStatus(refusal(agentClient("staging", canaryInStaging)), Status.Code.PERMISSION_DENIED,
                "service account \"signet-canary:signet-agent\" is not in service_account_allow_list");
        assertThat(ts.admin().listAgents(ListAgentsRequest.getDefaultInstance()).getAgentsCount()).isZero();
    }

    @Test
    void tokenOfARecreatedPodIsRefused() throws Exception {
        String oldToken = prod.issueToken("signet", "signet-agent", POD_A, POD_A_UID, "signet-server");
        prod.addPod("signet", POD_A, "c3c3c3c3-3333-4333-8333-333333333333", "signet-agent", NODE_A, "172.18.0.2", Map.of());
        prod.serviceAccountLookup(false); // even when the API server's own bound-token check lags
        try {
            assertStatus(refusal(agentClient("prod-cluster", oldToken)), Status.Code.PERMISSION_DENIED,
                    "k8s_psat: cluster \"prod-cluster\": the token is bound to pod signet/" + POD_A + " with UID " + POD_A_UID);
        } finally {
            prod.serviceAccountLookup(true);
        }
    }

    @Test
    void kubernetesApiDownIsUnavailable() throws Exception {
        String token = prod.issueToken("signet", "signet-agent", POD_A, POD_A_UID, "signet-server");
        prod.failWith(503);
        assertStatus(refusal(agentClient("prod-cluster", token)), Status.Code.UNAVAILABLE,
                "k8s_psat: Kubernetes API of cluster \"prod-cluster\"");
        prod.failWith(0);
        assertThat(agentA().id().toString()).endsWith("/" + NODE_A_UID); // the agent's retry succeeds once the API is back
    }

    @Test
    void malformedPayloadIsInvalid() {
        Status s = failure(() -> ts.attestClient().attestAgent(AttestAgentRequest.newBuilder().setAttestor("k8s_psat")
                .setPayload(ByteString.copyFromUtf8("{\"cluster\": \"prod-cluster\"}"))
                .setCsr(ByteString.copyFrom(Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256)))).build()));
        assertStatus(s, Status.Code.INVALID_ARGUMENT, "k8s_psat: payload has no token");
    }

    @Test
    void entriesWithK8sPsatNodeSelectorsGoOnlyToMatchingAgents() throws Exception {
        TestServer.AgentIdentity a = agentA();
        TestServer.AgentIdentity b = agentB();
        ts.createEntry(TestServer.entry("prod-signet-ns", "spiffe://td/web").addNodeSelectors(sel("k8s_psat", "cluster:prod-cluster"))
                .addNodeSelectors(sel("k8s_psat", "agent_ns:signet")).build());
        ts.createEntry(TestServer.entry("zone-b", "spiffe://td/batch")
                .addNodeSelectors(sel("k8s_psat", "agent_node_label:topology.kubernetes.io/zone:zone-b")).build());
        ts.createEntry(TestServer.entry("other-cluster", "spiffe://td/other").addNodeSelectors(sel("k8s_psat", "cluster:staging")).build());

        try (SyncStream sa = SyncStream.open(ts.asyncAs(a)); SyncStream sb = SyncStream.open(ts.asyncAs(b))) {
            assertThat(ids(sa.next())).containsExactly("prod-signet-ns");
            assertThat(ids(sb.next())).containsExactly("zone-b");
        }

        // And the server signs only what is authorized for the asking agent.
        BatchNewX509SVIDResponse mine = ts.as(a).batchNewX509SVID(BatchNewX509SVIDRequest.newBuilder().addParams(X509SVIDParams.newBuilder()
                .setEntryId("prod-signet-ns").setCsr(ByteString.copyFrom(Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256))))).build());
        assertThat(mine.getResults(0).getError()).isEmpty();
        assertThat(Certificates.uriSans(Certificates.parse(mine.getResults(0).getSvidChain(0).toByteArray()))).containsExactly("spiffe://td/web");
        BatchNewX509SVIDResponse theirs = ts.as(b).batchNewX509SVID(BatchNewX509SVIDRequest.newBuilder().addParams(X509SVIDParams.newBuilder()
                .setEntryId("prod-signet-ns").setCsr(ByteString.copyFrom(Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256))))).build());
        assertThat(theirs.getResults(0).getSvidChainCount()).isZero();
        assertThat(theirs.getResults(0).getError()).isEqualTo("entry not found or not authorized");
    }

    @Test
    void catalogServiceWithK8sPsatNodeSelectorsIsOnlyForThatAgent() throws Exception {
        TestServer.AgentIdentity a = agentA();
        TestServer.AgentIdentity b = agentB();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(ts.socket.toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group).usePlaintext().build();
        try {
            ServiceDefinition web = ServiceDefinition.newBuilder().setName("web").setPort(8080)
                    .addNodeSelectors(sel("k8s_psat", "cluster:prod-cluster"))
                    .addNodeSelectors(sel("k8s_psat", "agent_node_name:" + NODE_B))
                    .addWorkloadSelectors(SelectorSet.newBuilder().addSelectors(sel("unix", "uid:1000"))).build();
            try (SyncStream sa = SyncStream.open(ts.asyncAs(a)); SyncStream sb = SyncStream.open(ts.asyncAs(b))) {
                assertThat(ids(sa.next())).isEmpty();
                assertThat(ids(sb.next())).isEmpty();
                CatalogApiGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .registerService(RegisterServiceRequest.newBuilder().setDefinition(web).build());
                SyncAuthorizedResponse m = sb.next();
                assertThat(m.getEntriesList()).extracting(Entry::getSpiffeId).containsExactly("spiffe://td/ns/default/dc/dc1/svc/web");
                assertThat(m.getEntries(0).getNodeSelectorsList()).containsExactlyInAnyOrder(sel("k8s_psat", "cluster:prod-cluster"),
                        sel("k8s_psat", "agent_node_name:" + NODE_B));
                // Agent A got nothing: its next message is for an entry created after the service.
                ts.createEntry(TestServer.entry("marker", "spiffe://td/marker").setParentId(a.id().toString()).build());
                assertThat(ids(sa.next())).containsExactly("marker");
                assertThat(sa.pending()).isZero();
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
