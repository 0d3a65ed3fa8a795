package dev.signet.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.ByteString;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Csrs;
import dev.signet.proto.admin.v1.AdminApiGrpc;
import dev.signet.proto.admin.v1.CreateJoinTokenRequest;
import dev.signet.proto.admin.v1.GetBundleRequest;
import dev.signet.proto.admin.v1.ListAgentsRequest;
import dev.signet.proto.agent.v1.AgentApiGrpc;
import dev.signet.proto.agent.v1.AttestAgentRequest;
import dev.signet.proto.agent.v1.AttestAgentResponse;
import dev.signet.proto.agent.v1.BatchNewX509SVIDRequest;
import dev.signet.proto.agent.v1.X509SVIDParams;
import dev.signet.proto.common.v1.Agent;
import dev.signet.proto.common.v1.Entry;
import dev.signet.proto.common.v1.Selector;
import dev.signet.server.Server;
import dev.signet.server.config.ServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * A real in-process {@link Server} on 127.0.0.1:0 with its admin socket in a temporary directory, and the
 * clients a node agent and an operator would use: TLS channels to the agent API that trust only the bundle
 * from the admin API (and present an agent SVID once there is one), and the admin API over its Unix socket.
 */
final class TestServer implements AutoCloseable {
    static final TrustDomain TD = new TrustDomain("td");
    static final Duration CA_TTL = Duration.ofHours(24);
    static final Duration DEFAULT_X509_TTL = Duration.ofHours(1);
    static final Duration AGENT_TTL = Duration.ofHours(2);
    static final Duration DEFAULT_JWT_TTL = Duration.ofMinutes(5);
    private static final long DEADLINE_SECONDS = 10;

    final Server server;
    final Path socket;
    private final EventLoopGroup udsGroup = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final ManagedChannel adminChannel;
    private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();

    /** An attested agent as the test holds it: its SPIFFE ID, SVID chain (leaf first) and private key. */
    record AgentIdentity(SpiffeId id, List<X509Certificate> chain, PrivateKey key) {
        X509Certificate leaf() {
            return chain.get(0);
        }
    }

    private TestServer(Server server, Path socket) {
        this.server = server;
        this.socket = socket;
        this.adminChannel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(udsGroup)
                .usePlaintext()
                .build();
    }

    static TestServer start(Path tempDir, Clock clock) throws IOException {
        return start(tempDir, clock, c -> c);
    }

    /** A server whose configuration {@code customize} adjusts (JWT algorithm, rate limit, OIDC discovery, …). */
    static TestServer start(Path tempDir, Clock clock, java.util.function.UnaryOperator<ServerConfig> customize) throws IOException {
        Path socket = tempDir.resolve("admin.sock");
        ServerConfig config = customize.apply(new ServerConfig(TD, tempDir.resolve("data"), "127.0.0.1", 0, socket,
                Crypto.KeyType.EC_P256, CA_TTL, DEFAULT_X509_TTL, DEFAULT_JWT_TTL, AGENT_TTL, "info"));
        return new TestServer(Server.start(config, clock), socket);
    }

    // ---- admin API ----

    AdminApiGrpc.AdminApiBlockingStub admin() {
        return AdminApiGrpc.newBlockingStub(adminChannel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    dev.signet.proto.template.v1.TemplateApiGrpc.TemplateApiBlockingStub templates() {
        return dev.signet.proto.template.v1.TemplateApiGrpc.newBlockingStub(adminChannel)
                .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    List<X509Certificate> bundle() {
        return admin().getBundle(GetBundleRequest.getDefaultInstance()).getX509AuthoritiesList().stream()
                .map(b -> Certificates.parse(b.toByteArray())).toList();
    }

    List<ByteString> bundleDer() {
        return admin().getBundle(GetBundleRequest.getDefaultInstance()).getX509AuthoritiesList();
    }

    String token(Map<String, String> labels) {
        return admin().createJoinToken(CreateJoinTokenRequest.newBuilder().setTtlSeconds(600).putAllLabels(labels).build()).getToken();
    }

    Agent agentRecord(SpiffeId id) {
        return admin().listAgents(ListAgentsRequest.getDefaultInstance()).getAgentsList().stream()
                .filter(a -> a.getSpiffeId().equals(id.toString())).findFirst()
                .orElseThrow(() -> new AssertionError("ListAgents has no agent " + id));
    }

    Entry createEntry(Entry e) {
        return admin().createEntry(e);
    }

    // ---- agent API ----

    /** A channel that authenticates the server against the bundle, optionally presenting a client certificate. */
    ManagedChannel channel(List<X509Certificate> clientChain, PrivateKey clientKey) {
        try {
            SslContextBuilder b = SslContextBuilder.forClient();
            if (clientChain != null) {
                b.keyManager(clientKey, clientChain.toArray(new X509Certificate[0]));
            }
            var ctx = GrpcSslContexts.configure(b, SslProvider.JDK)
                    .trustManager(bundle().toArray(new X509Certificate[0]))
                    .build();
            ManagedChannel ch = NettyChannelBuilder.forAddress("localhost", server.agentApiPort()).sslContext(ctx).build();
            channels.add(ch);
            return ch;
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The chain the agent API presents in its TLS handshake (captured by a trust manager that then defers to PKIX). */
    List<X509Certificate> presentedServerChain() throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        ks.load(null, null);
        int i = 0;
        for (X509Certificate c : bundle()) {
            ks.setCertificateEntry("ca" + i++, c);
        }
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        javax.net.ssl.X509TrustManager pkix = (javax.net.ssl.X509TrustManager) tmf.getTrustManagers()[0];
        java.util.concurrent.atomic.AtomicReference<List<X509Certificate>> seen = new java.util.concurrent.atomic.AtomicReference<>();
        javax.net.ssl.X509TrustManager capturing = new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
                throw new java.security.cert.CertificateException("not a server");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
                seen.set(List.of(chain));
                pkix.checkServerTrusted(chain, authType);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return pkix.getAcceptedIssuers();
            }
        };
        var ctx = GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK).trustManager(capturing).build();
        ManagedChannel ch = NettyChannelBuilder.forAddress("localhost", server.agentApiPort()).sslContext(ctx).build();
        channels.add(ch);
        Status s = failure(() -> new AttestClient(ch, DEADLINE_SECONDS)
                .attestAgent(AttestAgentRequest.newBuilder().setAttestor("none").build()));
        assertThat(s.getCode()).as("%s", s).isEqualTo(Status.Code.INVALID_ARGUMENT); // the handshake succeeded
        return seen.get();
    }

    AgentApiGrpc.AgentApiBlockingStub anonymous() {
        return AgentApiGrpc.newBlockingStub(channel(null, null)).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    /** An unauthenticated AttestAgent client. */
    AttestClient attestClient() {
        return new AttestClient(channel(null, null), DEADLINE_SECONDS);
    }

    AgentApiGrpc.AgentApiBlockingStub as(AgentIdentity agent) {
        return AgentApiGrpc.newBlockingStub(channel(agent.chain(), agent.key())).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    AgentApiGrpc.AgentApiStub asyncAs(AgentIdentity agent) {
        return AgentApiGrpc.newStub(channel(agent.chain(), agent.key()));
    }

    static AttestAgentRequest joinTokenRequest(String token, byte[] csr) {
        return AttestAgentRequest.newBuilder().setAttestor("join_token")
                .setPayload(ByteString.copyFrom(token, StandardCharsets.UTF_8))
                .setCsr(ByteString.copyFrom(csr)).build();
    }

    /** A BatchNewX509SVID request with one fresh P-256 CSR for entry {@code entryId}. */
    static BatchNewX509SVIDRequest oneCsr(String entryId) {
        return BatchNewX509SVIDRequest.newBuilder().addParams(X509SVIDParams.newBuilder().setEntryId(entryId)
                .setCsr(ByteString.copyFrom(Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256))))).build();
    }

    /** Attests with a fresh key and a join token; returns the agent's identity. */
    AgentIdentity attest(String token) {
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
        AttestAgentResponse r = attestClient().attestAgent(joinTokenRequest(token, Csrs.create(kp)));
        List<X509Certificate> chain = r.getSvidChainList().stream().map(b -> Certificates.parse(b.toByteArray())).toList();
        return new AgentIdentity(SpiffeId.parse(r.getSpiffeId()), chain, kp.getPrivate());
    }

    AgentIdentity attestNew(Map<String, String> labels) {
        return attest(token(labels));
    }

    // ---- entries and status helpers ----

    static Selector sel(String type, String value) {
        return Selector.newBuilder().setType(type).setValue(value).build();
    }

    static Entry.Builder entry(String id, String spiffeId) {
        return Entry.newBuilder().setId(id).setSpiffeId(spiffeId).addSelectors(sel("unix", "uid:1000"));
    }

    /** Runs a call that must fail; returns its status. */
    static Status failure(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
        return fail("call succeeded but was expected to fail");
    }

    static void assertStatus(Status s, Status.Code code, String descriptionContains) {
        assertThat(s.getCode()).as("status of %s", s).isEqualTo(code);
        assertThat(s.getDescription()).as("description of %s", s).contains(descriptionContains);
    }

    @Override
    public void close() {
        for (ManagedChannel ch : channels) {
            ch.shutdownNow();
        }
        adminChannel.shutdownNow();
        try {
            for (ManagedChannel ch : channels) {
                ch.awaitTermination(5, TimeUnit.SECONDS);
            }
            adminChannel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        udsGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        server.close();
    }
}
