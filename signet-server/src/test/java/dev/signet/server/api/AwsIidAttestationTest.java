package dev.signet.server.api;

import static dev.signet.server.api.TestServer.assertStatus;
import static dev.signet.server.api.TestServer.failure;
import static dev.signet.server.api.TestServer.sel;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.signet.agent.attestor.node.awsiid.AwsIidClient;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Csrs;
import dev.signet.proto.admin.v1.AgentRef;
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
import dev.signet.proto.common.v1.Selector;
import dev.signet.server.attestation.NodeAttestor;
import dev.signet.server.attestation.awsiid.AwsIidAttestor;
import dev.signet.server.attestation.awsiid.FakeEc2;
import dev.signet.server.attestation.awsiid.IidSigner;
import dev.signet.testing.platform.aws.FakeImds;
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
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * aws_iid end to end: the agent's real attestor client reads IMDSv2 ({@link FakeImds}) and its payload goes over
 * the real AttestAgent stream to an in-process server, whose attestor verifies the PKCS#7 signature (a test "AWS"
 * key) and asks EC2 ({@link FakeEc2}, HTTPS, SigV4). Then: trust on first use, and the node selectors at work in
 * raw entries and in catalog services.
 */
class AwsIidAttestationTest {
    private static final String ACCOUNT = "123456789012";
    private static final String REGION = "eu-west-1";
    private static final String PROD = "i-0aaaaaaaaaaaaaaa1";
    private static final String DEV = "i-0bbbbbbbbbbbbbbb2";
    private static final String IMAGE = "ami-0123456789abcdef0";
    private static final String ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
    private static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    private static IidSigner aws;
    private static FakeEc2 ec2;
    @TempDir
    static Path shared;
    private static Path awsPem;
    private static Path ec2Ca;

    @TempDir
    Path dir;
    private TestServer ts;
    private FakeImds prodImds;
    private FakeImds devImds;

    @BeforeAll
    static void platform() throws Exception {
        aws = IidSigner.create("Amazon Web Services LLC");
        awsPem = Files.writeString(shared.resolve("aws-rsa2048.pem"), aws.certificatePem());
        ec2 = FakeEc2.start(ACCESS_KEY, SECRET_KEY);
        ec2Ca = ec2.writeCa(shared.resolve("ec2-ca.pem"));
        ec2.add(new FakeEc2.Instance(ACCOUNT, PROD, IMAGE, Map.of("env", "prod", "team", "web"),
                List.of(Map.entry("sg-0a1b2c3d4e5f60718", "web")), "arn:aws:iam::123456789012:instance-profile/web"));
        ec2.add(new FakeEc2.Instance(ACCOUNT, DEV, IMAGE, Map.of("env", "dev", "team", "web"),
                List.of(Map.entry("sg-0a1b2c3d4e5f60718", "web")), null));
        // The AWS SDK's first call loads a few thousand classes (seconds on a busy 2-core machine); do it once
        // here, so that the agent API's 10 s call deadline below measures attestation, not class loading.
        String warm = IidSigner.document(ACCOUNT, REGION, DEV, IMAGE, "t3.micro");
        AwsIidAttestor.fromConfig(attestorBlock(), TestServer.TD).attest(IidSigner.payload(warm, aws.sign(warm)),
                new NodeAttestor.Session() {
                    @Override
                    public byte[] challenge(byte[] challenge) {
                        throw new AssertionError("aws_iid sends no challenge");
                    }

                    @Override
                    public Optional<InetAddress> peerAddress() {
                        return Optional.empty();
                    }
                });
    }

    private static ConfigBlock attestorBlock() {
        return ConfigBlock.parse("server.hcl", "node_attestor \"aws_iid\" {\n"
                + "  aws_certificates = { \"" + REGION + "\" = \"" + awsPem + "\" }\n"
                + "  accounts_allow_list = [\"" + ACCOUNT + "\"]\n"
                + "  ec2_endpoint = \"" + ec2.endpoint() + "\"\n"
                + "  ec2_ca_bundle_path = \"" + ec2Ca + "\"\n"
                + "  access_key_id = \"" + ACCESS_KEY + "\"\n"
                + "  secret_access_key = \"" + SECRET_KEY + "\"\n"
                + "}\n").block("node_attestor").block("aws_iid");
    }

    @AfterAll
    static void stopPlatform() {
        ec2.close();
    }

    @BeforeEach
    void start() throws Exception {
        ec2.failWith(0);
        String prodDoc = IidSigner.document(ACCOUNT, REGION, PROD, IMAGE, "m5.large");
        String devDoc = IidSigner.document(ACCOUNT, REGION, DEV, IMAGE, "t3.micro");
        prodImds = FakeImds.start(prodDoc, aws.sign(prodDoc));
        devImds = FakeImds.start(devDoc, aws.sign(devDoc));
        ConfigBlock block = attestorBlock();
        ts = TestServer.start(dir, Clock.systemUTC(), c -> c.withNodeAttestors(Map.of("aws_iid", block)));
    }

    @AfterEach
    void stop() {
        ts.close();
        prodImds.close();
        devImds.close();
    }

    /** What the agent does at bootstrap: its aws_iid client reads IMDS, the payload and a CSR go over AttestAgent. */
    private TestServer.AgentIdentity attest(FakeImds imds) {
        AwsIidClient client = AwsIidClient.fromConfig(ConfigBlock.parse("agent.hcl",
                "node_attestor \"aws_iid\" { imds_endpoint = \"" + imds.endpoint() + "\" }").block("node_attestor").block("aws_iid"));
        byte[] payload;
        try {
            payload = client.payload();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
        AttestAgentResponse r = ts.attestClient().attestAgent(AttestAgentRequest.newBuilder()
                .setAttestor(client.name())
                .setPayload(ByteString.copyFrom(payload))
                .setCsr(ByteString.copyFrom(Csrs.create(kp)))
                .build());
        List<X509Certificate> chain = r.getSvidChainList().stream().map(b -> Certificates.parse(b.toByteArray())).toList();
        return new TestServer.AgentIdentity(SpiffeId.parse(r.getSpiffeId()), chain, kp.getPrivate());
    }

    private static Selector aws(String value) {
        return sel("aws_iid", value);
    }

    @Test
    void instanceAttestsOnceWithItsIdentityAndAReplayIsRefusedUntilEvicted() throws Exception {
        TestServer.AgentIdentity agent = attest(prodImds);
        String expectedId = "spiffe://td/signet/agent/aws_iid/" + ACCOUNT + "/" + REGION + "/" + PROD;
        assertThat(agent.id().toString()).isEqualTo(expectedId);
        assertThat(Certificates.spiffeId(agent.leaf())).hasValue(agent.id());

        Agent record = ts.agentRecord(agent.id());
        assertThat(record.getAttestationType()).isEqualTo("aws_iid");
        assertThat(record.getSelectorsList()).containsExactlyInAnyOrder(
                aws("account_id:" + ACCOUNT), aws("region:" + REGION), aws("az:" + REGION + "a"), aws("instance:id:" + PROD),
                aws("image:id:" + IMAGE), aws("instance:type:m5.large"), aws("tag:env:prod"), aws("tag:team:web"),
                aws("sg:id:sg-0a1b2c3d4e5f60718"), aws("sg:name:web"), aws("iamrole:arn:aws:iam::123456789012:instance-profile/web"));

        // The same document again (a replay, or a stolen copy): refused, and the first agent is untouched.
        Status replay = failure(() -> attest(prodImds));
        assertStatus(replay, Status.Code.PERMISSION_DENIED, "aws_iid: attestation data has already been used to attest an agent: " + expectedId);
        assertThat(ts.agentRecord(agent.id()).getCertSerial()).isEqualTo(record.getCertSerial());

        // The operator's way to let the instance attest again: evict the agent.
        ts.admin().evictAgent(AgentRef.newBuilder().setSpiffeId(expectedId).build());
        TestServer.AgentIdentity again = attest(prodImds);
        assertThat(again.id()).isEqualTo(agent.id());
        assertThat(ts.agentRecord(again.id()).getCertSerial()).isNotEqualTo(record.getCertSerial());
    }

    @Test
    void ec2DownIsUnavailableAndDoesNotUseUpTheDocument() throws Exception {
        ec2.failWith(503);
        Status s = failure(() -> attest(devImds));
        assertStatus(s, Status.Code.UNAVAILABLE, "aws_iid: EC2 DescribeInstances for " + DEV);
        assertThat(ts.admin().listAgents(ListAgentsRequest.getDefaultInstance()).getAgentsList()).isEmpty();

        ec2.failWith(0); // the agent retries once EC2 is back
        assertThat(attest(devImds).id().toString()).endsWith("/" + DEV);
    }

    @Test
    void forgedDocumentOverTheWireIsDenied() throws Exception {
        String forged = IidSigner.document(ACCOUNT, REGION, PROD, IMAGE, "m5.large");
        IidSigner attacker = IidSigner.create("Amazon Web Services LLC");
        try (FakeImds evil = FakeImds.start(forged, attacker.sign(forged))) {
            Status s = failure(() -> attest(evil));
            assertStatus(s, Status.Code.PERMISSION_DENIED, "aws_iid: the instance identity document's signature does not verify");
        }
        assertThat(ts.admin().listAgents(ListAgentsRequest.getDefaultInstance()).getAgentsList()).isEmpty();
    }

    @Test
    void awsNodeSelectorsTargetEntriesAndCatalogServices() throws Exception {
        TestServer.AgentIdentity prod = attest(prodImds);
        TestServer.AgentIdentity dev = attest(devImds);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ManagedChannel admin = NettyChannelBuilder.forAddress(new DomainSocketAddress(ts.socket.toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group).usePlaintext().build();
        try (SyncStream p = SyncStream.open(ts.asyncAs(prod)); SyncStream d = SyncStream.open(ts.asyncAs(dev))) {
            assertThat(p.next().getEntriesList()).isEmpty();
            assertThat(d.next().getEntriesList()).isEmpty();

            // a raw entry for prod instances only
            ts.createEntry(TestServer.entry("prod-web", "spiffe://td/prod-web").addNodeSelectors(aws("tag:env:prod")).build());
            assertThat(ids(p.next())).containsExactly("prod-web");

            // a catalog service on instances of the web security group in the account: both nodes
            CatalogApiGrpc.newBlockingStub(admin).withDeadlineAfter(10, TimeUnit.SECONDS).registerService(
                    RegisterServiceRequest.newBuilder().setDefinition(ServiceDefinition.newBuilder().setName("web").setPort(8080)
                            .addNodeSelectors(aws("sg:name:web")).addNodeSelectors(aws("account_id:" + ACCOUNT))
                            .addWorkloadSelectors(SelectorSet.newBuilder().addSelectors(sel("unix", "uid:1000")))).build());
            SyncAuthorizedResponse pm = p.next();
            assertThat(pm.getEntriesList()).extracting(Entry::getSpiffeId)
                    .containsExactlyInAnyOrder("spiffe://td/prod-web", "spiffe://td/ns/default/dc/dc1/svc/web");
            SyncAuthorizedResponse dm = d.next();
            assertThat(dm.getEntriesList()).extracting(Entry::getSpiffeId).containsExactly("spiffe://td/ns/default/dc/dc1/svc/web");
            assertThat(dm.getEntries(0).getNodeSelectorsList()).containsExactlyInAnyOrder(aws("sg:name:web"), aws("account_id:" + ACCOUNT));

            // a catalog service for prod only: the dev node never sees it
            CatalogApiGrpc.newBlockingStub(admin).withDeadlineAfter(10, TimeUnit.SECONDS).registerService(
                    RegisterServiceRequest.newBuilder().setDefinition(ServiceDefinition.newBuilder().setName("billing").setPort(9090)
                            .addNodeSelectors(aws("tag:env:prod")).addNodeSelectors(aws("region:" + REGION))
                            .addWorkloadSelectors(SelectorSet.newBuilder().addSelectors(sel("unix", "uid:1001")))).build());
            assertThat(p.next().getEntriesList()).extracting(Entry::getSpiffeId)
                    .contains("spiffe://td/ns/default/dc/dc1/svc/billing");

            // the dev agent's next message carries only what was created after all of the above for it
            ts.createEntry(TestServer.entry("marker", "spiffe://td/marker").setParentId(dev.id().toString()).build());
            assertThat(d.next().getEntriesList()).extracting(Entry::getSpiffeId)
                    .containsExactlyInAnyOrder("spiffe://td/ns/default/dc/dc1/svc/web", "spiffe://td/marker");
            assertThat(d.pending()).isZero();
        } finally {
            admin.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static List<String> ids(SyncAuthorizedResponse m) {
        return m.getEntriesList().stream().map(Entry::getId).toList();
    }
}
