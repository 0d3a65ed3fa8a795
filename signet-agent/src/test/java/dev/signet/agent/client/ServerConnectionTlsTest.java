package dev.signet.agent.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.agent.TestCerts;
import dev.signet.core.x509.SigningProvider;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The agent's channels to the server ({@link ServerConnection}) against a real gRPC server on a socket (JDK TLS, an
 * independent peer): the client's own {@link SSLSession}, read from the call's transport attributes, says whose TLS
 * engine the agent used — Conscrypt's ({@code org.conscrypt.*}) or the JDK's ({@code sun.security.ssl.*}) — and the
 * server authentication, the agent SVID and its rotation behave the same under both.
 */
class ServerConnectionTlsTest {
    private final TestCerts pki = new TestCerts("agent.example");
    private final List<SSLSession> serverSessions = new CopyOnWriteArrayList<>();
    private final List<SSLSession> clientSessions = new CopyOnWriteArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private io.grpc.Server server;
    private ServerConnection connection;

    @AfterEach
    void close() throws InterruptedException {
        channels.forEach(ManagedChannel::shutdownNow);
        if (connection != null) {
            connection.close();
        }
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** A server presenting {@code leaf} (chain: leaf, CA of {@code issuer}), client certificates optional, any accepted. */
    private ServerAddress startServer(TestCerts issuer, TestCerts.Leaf leaf) throws Exception {
        X509TrustManager anyClient = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("not a client");
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        ServerInterceptor capture = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                serverSessions.add(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                return next.startCall(call, headers);
            }
        };
        var ctx = GrpcSslContexts.configure(SslContextBuilder.forServer(leaf.key().getPrivate(), leaf.cert(), issuer.ca), SslProvider.JDK)
                .trustManager(anyClient).clientAuth(ClientAuth.OPTIONAL).build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).sslContext(ctx)
                .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), capture))
                .build().start();
        return new ServerAddress("127.0.0.1", server.getPort());
    }

    private ServerConnection connection(ServerAddress address, String provider) {
        connection = new ServerConnection(new ServerList(List.of(address), 0), pki.trustDomain, () -> List.of(pki.ca),
                Clock.systemUTC(), SigningProvider.select(SigningProvider.Choice.parse(provider)));
        return connection;
    }

    private TestCerts.Leaf serverLeaf(TestCerts issuer) {
        return issuer.leaf("/signet/server", Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
    }

    private TestCerts.Leaf agentSvid() {
        return pki.leaf("/signet/agent/join_token/t1", Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
    }

    /** A health check through {@code ch}, recording the client's SSLSession. */
    private HealthCheckResponse.ServingStatus check(ManagedChannel ch) {
        channels.add(ch);
        ClientInterceptor record = new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        ClientCall<Q, R> call = this;
                        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onHeaders(Metadata h) {
                                clientSessions.add(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                                super.onHeaders(h);
                            }
                        }, headers);
                    }
                };
            }
        };
        return HealthGrpc.newBlockingStub(ClientInterceptors.intercept(ch, record)).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    }

    @Test
    void conscryptChosen_theAgentHandshakesWithConscrypt() throws Exception {
        ServerConnection c = connection(startServer(pki, serverLeaf(pki)), "conscrypt");
        TestCerts.Leaf svid = agentSvid();
        assertThat(check(c.agentChannel(c.servers().current(), List.of(svid.cert()), svid.key().getPrivate())))
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

        SSLSession mine = clientSessions.get(0);
        assertThat(mine.getClass().getName()).as("the agent's SSLSession class").startsWith("org.conscrypt.");
        assertThat(mine.getProtocol()).isEqualTo("TLSv1.3");
        assertThat(serverSessions.get(0).getClass().getName()).as("the peer is the JDK").startsWith("sun.security.ssl.");
        assertThat(serverSessions.get(0).getPeerCertificates()[0]).as("the agent SVID reached the server").isEqualTo(svid.cert());
    }

    @Test
    void bouncyCastleChosen_theAgentKeepsTheJdkTls() throws Exception {
        ServerConnection c = connection(startServer(pki, serverLeaf(pki)), "bouncycastle");
        assertThat(check(c.attestationChannel(c.servers().current(), false))).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(clientSessions.get(0).getClass().getName()).as("the agent's SSLSession class").startsWith("sun.security.ssl.");
        assertThat(clientSessions.get(0).getProtocol()).isEqualTo("TLSv1.3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"conscrypt", "bouncycastle"})
    void aRotatedAgentSvidIsPresentedOnTheNextChannel(String provider) throws Exception {
        ServerConnection c = connection(startServer(pki, serverLeaf(pki)), provider);
        TestCerts.Leaf first = agentSvid();
        TestCerts.Leaf second = agentSvid();
        check(c.agentChannel(c.servers().current(), List.of(first.cert()), first.key().getPrivate()));
        check(c.agentChannel(c.servers().current(), List.of(second.cert()), second.key().getPrivate()));
        assertThat(serverSessions).hasSize(2);
        assertThat(serverSessions.get(0).getPeerCertificates()[0]).isEqualTo(first.cert());
        assertThat(serverSessions.get(1).getPeerCertificates()[0]).isEqualTo(second.cert());
        assertThat(clientSessions.get(1).getClass().getName()).startsWith(provider.equals("conscrypt") ? "org.conscrypt." : "sun.security.ssl.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"conscrypt", "bouncycastle"})
    void aServerOutsideTheBundleIsRefused(String provider) throws Exception {
        TestCerts foreign = new TestCerts("agent.example"); // same trust domain and ID, another CA
        ServerConnection c = connection(startServer(foreign, serverLeaf(foreign)), provider);
        ManagedChannel ch = c.attestationChannel(c.servers().current(), false);
        assertThatThrownBy(() -> check(ch)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(causes(e)).as("the trust manager's reason").anyMatch(m -> m.startsWith("server certificate does not chain to the trust bundle: "));
        });
        assertThat(serverSessions).as("no call reached the server").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"conscrypt", "bouncycastle"})
    void aServerWithAnotherIdIsRefusedEvenOnInsecureBootstrap(String provider) throws Exception {
        TestCerts.Leaf workload = pki.leaf("/workload", Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
        ServerConnection c = connection(startServer(pki, workload), provider);
        ManagedChannel ch = c.attestationChannel(c.servers().current(), true);
        assertThatThrownBy(() -> check(ch)).isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                assertThat(causes(e)).anyMatch(m -> m.equals("server presented spiffe://agent.example/workload, expected spiffe://agent.example/signet/server")));
        assertThat(serverSessions).isEmpty();
    }

    private static List<String> causes(Throwable t) {
        List<String> messages = new ArrayList<>();
        for (Throwable c = t; c != null; c = c.getCause()) {
            messages.add(String.valueOf(c.getMessage()));
        }
        return messages;
    }
}
