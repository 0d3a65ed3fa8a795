package dev.signet.server.api;

import static dev.signet.server.api.TestServer.assertStatus;
import static dev.signet.server.api.TestServer.failure;
import static dev.signet.server.api.TestServer.sel;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.signet.agent.attestor.node.x509pop.X509PopClient;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Csrs;
import dev.signet.core.x509.Pem;
import dev.signet.proto.admin.v1.ListAgentsRequest;
import dev.signet.proto.agent.v1.AttestAgentRequest;
import dev.signet.proto.agent.v1.AttestAgentResponse;
import dev.signet.proto.agent.v1.SyncAuthorizedResponse;
import dev.signet.proto.catalog.v1.CatalogApiGrpc;
import dev.signet.proto.catalog.v1.RegisterServiceRequest;
import dev.signet.proto.catalog.v1.SelectorSet;
import dev.signet.proto.catalog.v1.ServiceDefinition;
import dev.signet.proto.common.v1.Agent;
import dev.signet.proto.common.v1.Entry;
import dev.signet.server.attestation.x509pop.TestPki;
import dev.signet.server.attestation.x509pop.TestPki.Issued;
import dev.signet.testing.ManualClock;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The x509pop node attestor through a real server: the AttestAgent stream with its challenge, the agent record
 * and its node selectors, and entries and catalog services targeted at x509pop node selectors.
 */
class X509PopAttestationTest {
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private static Issued root;
    private static Issued issuing;

    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(NOW);
    private TestServer ts;

    @BeforeAll
    static void pki() {
        root = TestPki.rootCa("Fleet Root", NOW.minus(Duration.ofDays(10)), NOW.plus(Duration.ofDays(3650)));
        issuing = TestPki.intermediate(root, "Fleet Issuing", NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(365)));
    }

    @BeforeEach
    void start() throws Exception {
        ts = server(dir, "");
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    private TestServer server(Path d, String extra) throws Exception {
        Files.createDirectories(d);
        Path bundle = d.resolve("fleet-ca.pem");
        Files.writeString(bundle, Pem.encodeCertificates(List.of(root.cert())));
        ConfigBlock block = ConfigBlock.parse("server.hcl", "node_attestor \"x509pop\" {\n  ca_bundle_path = \"" + bundle + "\"\n" + extra + "\n}\n")
                .block("node_attestor").block("x509pop");
        return TestServer.start(d, clock, c -> c.withNodeAttestors(Map.of("x509pop", block)));
    }

    private static AttestAgentRequest request(byte[] csr, X509Certificate... chain) throws Exception {
        return AttestAgentRequest.newBuilder().setAttestor("x509pop").setPayload(ByteString.copyFrom(TestPki.payload(chain)))
                .setCsr(ByteString.copyFrom(csr)).build();
    }

    private static UnaryOperator<byte[]> provingWith(PrivateKey key) {
        return c -> TestPki.answer(c, key);
    }

    private static String sha1Hex(X509Certificate c) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(c.getEncoded()));
    }

    /** The serial as the selector spells it: lowercase hex of its big-endian bytes, no sign byte. */
    private static String serialHex(X509Certificate c) {
        byte[] b = c.getSerialNumber().toByteArray();
        int from = b.length > 1 && b[0] == 0 ? 1 : 0;
        return HexFormat.of().formatHex(b, from, b.length);
    }

    /** Attests as the node holding {@code node}'s certificate; returns the agent identity the server issued. */
    private TestServer.AgentIdentity attest(TestServer server, Issued node) throws Exception {
        KeyPair agentKey = Crypto.generate(Crypto.KeyType.EC_P256);
        AttestAgentResponse r = server.attestClient().attestAgent(request(Csrs.create(agentKey), node.cert(), issuing.cert()),
                provingWith(node.key().getPrivate()));
        List<X509Certificate> chain = r.getSvidChainList().stream().map(b -> Certificates.parse(b.toByteArray())).toList();
        return new TestServer.AgentIdentity(SpiffeId.parse(r.getSpiffeId()), chain, agentKey.getPrivate());
    }

    private static List<String> ids(SyncAuthorizedResponse m) {
        return m.getEntriesList().stream().map(Entry::getId).toList();
    }

    @Test
    void nodeProvingPossessionGetsItsAgentIdAndNodeSelectorsAndMayAttestAgain() throws Exception {
        Issued node = TestPki.leaf(issuing, "node-a.fleet").uri("x509pop://td/env/prod").issue();

        TestServer.AgentIdentity agent = attest(ts, node);

        String expectedId = "spiffe://td/signet/agent/x509pop/" + sha1Hex(node.cert());
        assertThat(agent.id().toString()).isEqualTo(expectedId);
        assertThat(Certificates.uriSans(agent.leaf())).containsExactly(expectedId);
        Pki.assertValidates(List.of(agent.leaf()), ts.bundle());
        Agent record = ts.agentRecord(agent.id());
        assertThat(record.getAttestationType()).isEqualTo("x509pop");
        assertThat(record.getSelectorsList()).containsExactlyInAnyOrder(
                sel("x509pop", "subject:cn:node-a.fleet"),
                sel("x509pop", "ca:fingerprint:" + sha1Hex(issuing.cert())),
                sel("x509pop", "ca:fingerprint:" + sha1Hex(root.cert())),
                sel("x509pop", "serialnumber:" + serialHex(node.cert())),
                sel("x509pop", "san:env:prod"));

        // Re-attestable: the same node certificate attests again (a new agent key) and keeps its ID.
        clock.advance(Duration.ofMinutes(5));
        TestServer.AgentIdentity again = attest(ts, node);
        assertThat(again.id()).isEqualTo(agent.id());
        assertThat(again.leaf().getSerialNumber()).isNotEqualTo(agent.leaf().getSerialNumber());
        assertThat(ts.admin().listAgents(ListAgentsRequest.getDefaultInstance()).getAgentsCount()).isEqualTo(1);
    }

    @Test
    void theAgentsOwnX509popClientAttestsWithFilesOnDisk() throws Exception {
        for (Crypto.KeyType type : List.of(Crypto.KeyType.EC_P384, Crypto.KeyType.RSA_2048)) {
            Issued node = TestPki.leaf(issuing, "disk-" + type.configName()).keyType(type).issue();
            Path files = Files.createDirectories(dir.resolve("node-" + type.configName()));
            Files.writeString(files.resolve("node.key"), Pem.encodePrivateKey(node.key().getPrivate()));
            Files.writeString(files.resolve("node.pem"), Pem.encodeCertificates(List.of(node.cert())));
            Files.writeString(files.resolve("intermediates.pem"), Pem.encodeCertificates(List.of(issuing.cert())));
            X509PopClient client = X509PopClient.fromConfig(ConfigBlock.parse("agent.hcl", """
                    node_attestor "x509pop" {
                      private_key_path   = "%s"
                      certificate_path   = "%s"
                      intermediates_path = "%s"
                    }
                    """.formatted(files.resolve("node.key"), files.resolve("node.pem"), files.resolve("intermediates.pem")))
                    .block("node_attestor").block("x509pop"));
            KeyPair agentKey = Crypto.generate(Crypto.KeyType.EC_P256);

            AttestAgentResponse r = ts.attestClient().attestAgent(AttestAgentRequest.newBuilder().setAttestor(client.name())
                    .setPayload(ByteString.copyFrom(client.payload())).setCsr(ByteString.copyFrom(Csrs.create(agentKey))).build(), c -> {
                        try {
                            return client.answer(c);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });

            assertThat(r.getSpiffeId()).as("%s", type).isEqualTo("spiffe://td/signet/agent/x509pop/" + sha1Hex(node.cert()));
            assertThat(ts.agentRecord(SpiffeId.parse(r.getSpiffeId())).getSelectorsList()).as("%s", type)
                    .contains(sel("x509pop", "subject:cn:disk-" + type.configName()));
        }
    }

    @Test
    void nodeSigningWithTheWrongKeyIsRefusedAndNotRecorded() throws Exception {
        Issued node = TestPki.leaf(issuing, "node-a.fleet").issue();
        KeyPair thief = Crypto.generate(Crypto.KeyType.EC_P256);
        byte[] csr = Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256));

        Status s = failure(() -> attestOrThrow(requestUnchecked(csr, node.cert(), issuing.cert()), provingWith(thief.getPrivate())));

        assertStatus(s, Status.Code.PERMISSION_DENIED, "x509pop: the challenge signature does not verify");
        assertThat(ts.admin().listAgents(ListAgentsRequest.getDefaultInstance()).getAgentsCount()).isZero();
    }

    @Test
    void certificateFromAnotherCaOrAMalformedAnswerIsRefused() throws Exception {
        Issued stranger = TestPki.rootCa("Fleet Root", NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(30)));
        Issued foreign = TestPki.leaf(stranger, "node-a.fleet").issue();
        Issued node = TestPki.leaf(issuing, "node-b.fleet").issue();
        byte[] csr = Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256));

        Status wrongCa = failure(() -> attestOrThrow(requestUnchecked(csr, foreign.cert()), provingWith(foreign.key().getPrivate())));
        assertStatus(wrongCa, Status.Code.PERMISSION_DENIED, "x509pop: the certificate");
        assertThat(wrongCa.getDescription()).contains("does not chain to a configured CA");

        Status malformed = failure(() -> attestOrThrow(requestUnchecked(csr, node.cert(), issuing.cert()),
                c -> "{\"nonce\":".getBytes(StandardCharsets.UTF_8)));
        assertStatus(malformed, Status.Code.INVALID_ARGUMENT, "x509pop: challenge response is not a JSON object");

        Status garbage = failure(() -> ts.attestClient().attestAgent(AttestAgentRequest.newBuilder().setAttestor("x509pop")
                .setPayload(ByteString.copyFromUtf8("{\"certificates\":\"nope\"}")).setCsr(ByteString.copyFrom(csr)).build()));
        assertStatus(garbage, Status.Code.INVALID_ARGUMENT, "x509pop: payload has no \"certificates\" array");
        assertThat(ts.admin().listAgents(ListAgentsRequest.getDefaultInstance()).getAgentsCount()).isZero();
    }

    private void attestOrThrow(AttestAgentRequest req, UnaryOperator<byte[]> answerer) {
        ts.attestClient().attestAgent(req, answerer);
    }

    @Test
    void expiredNodeCertificateIsRefusedAtTheServersClock() throws Exception {
        Issued node = TestPki.leaf(issuing, "node-a.fleet").validity(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(1))).issue();
        attest(ts, node);

        clock.advance(Duration.ofHours(2));
        byte[] csr = Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256));

        Status s = failure(() -> attestOrThrow(requestUnchecked(csr, node.cert(), issuing.cert()), provingWith(node.key().getPrivate())));
        assertStatus(s, Status.Code.PERMISSION_DENIED, "x509pop: the leaf certificate expired at " + NOW.plus(Duration.ofHours(1)));
    }

    private static AttestAgentRequest requestUnchecked(byte[] csr, X509Certificate... chain) {
        try {
            return request(csr, chain);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void entryWithAnX509popNodeSelectorIsSyncedOnlyToThatNode() throws Exception {
        TestServer.AgentIdentity a = attest(ts, TestPki.leaf(issuing, "node-a.fleet").issue());
        TestServer.AgentIdentity b = attest(ts, TestPki.leaf(issuing, "node-b.fleet").issue());
        ts.createEntry(TestServer.entry("on-a", "spiffe://td/web").addNodeSelectors(sel("x509pop", "subject:cn:node-a.fleet")).build());
        ts.createEntry(TestServer.entry("on-fleet", "spiffe://td/metrics")
                .addNodeSelectors(sel("x509pop", "ca:fingerprint:" + sha1Hex(issuing.cert()))).build());

        try (SyncStream sa = SyncStream.open(ts.asyncAs(a)); SyncStream sb = SyncStream.open(ts.asyncAs(b))) {
            assertThat(ids(sa.next())).containsExactlyInAnyOrder("on-a", "on-fleet");
            assertThat(ids(sb.next())).containsExactly("on-fleet");
        }
    }

    @Test
    void catalogServiceWithAnX509popNodeSelectorIsAuthorizedOnlyOnThatNode() throws Exception {
        TestServer.AgentIdentity a = attest(ts, TestPki.leaf(issuing, "node-a.fleet").issue());
        TestServer.AgentIdentity b = attest(ts, TestPki.leaf(issuing, "node-b.fleet").issue());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ManagedChannel admin = NettyChannelBuilder.forAddress(new DomainSocketAddress(ts.socket.toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group).usePlaintext().build();
        try (SyncStream sa = SyncStream.open(ts.asyncAs(a)); SyncStream sb = SyncStream.open(ts.asyncAs(b))) {
            assertThat(ids(sa.next())).isEmpty();
            assertThat(ids(sb.next())).isEmpty();

            CatalogApiGrpc.newBlockingStub(admin).withDeadlineAfter(10, TimeUnit.SECONDS).registerService(RegisterServiceRequest.newBuilder()
                    .setDefinition(ServiceDefinition.newBuilder().setName("web").setPort(8080)
                            .addNodeSelectors(sel("x509pop", "subject:cn:node-a.fleet"))
                            .addWorkloadSelectors(SelectorSet.newBuilder().addSelectors(sel("unix", "uid:1000"))))
                    .build());

            SyncAuthorizedResponse m = sa.next();
            assertThat(m.getEntriesList()).hasSize(1);
            assertThat(m.getEntries(0).getSpiffeId()).isEqualTo("spiffe://td/ns/default/dc/dc1/svc/web");
            assertThat(m.getEntries(0).getNodeSelectorsList()).containsExactly(sel("x509pop", "subject:cn:node-a.fleet"));

            // Node b never got the service: its next message already carries an entry created afterwards.
            ts.createEntry(TestServer.entry("marker", "spiffe://td/marker").setParentId(b.id().toString()).build());
            assertThat(ids(sb.next())).containsExactly("marker");
            assertThat(sb.pending()).isZero();
        } finally {
            admin.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void verifyClientIpChecksTheAddressTheServerSeesAgainstTheIpSans() throws Exception {
        try (TestServer strict = server(dir.resolve("strict"), "verify_client_ip = true")) {
            Issued local = TestPki.leaf(issuing, "local").ip("127.0.0.1").issue();
            Issued elsewhere = TestPki.leaf(issuing, "elsewhere").ip("10.20.30.40").issue();

            assertThat(attest(strict, local).id().toString()).endsWith(sha1Hex(local.cert()));

            byte[] csr = Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256));
            Status s = failure(() -> strict.attestClient().attestAgent(requestUnchecked(csr, elsewhere.cert(), issuing.cert()),
                    provingWith(elsewhere.key().getPrivate())));
            assertStatus(s, Status.Code.PERMISSION_DENIED, "x509pop: the agent's address 127.0.0.1 is not among the certificate's IP SANs");
        }
    }
}
