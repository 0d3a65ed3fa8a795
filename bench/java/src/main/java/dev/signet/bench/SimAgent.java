package dev.signet.bench;

import dev.signet.core.x509.ServerCertificateTrustManager;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.x509.SvidVerifier;
import dev.signet.proto.agent.v1.AgentApiGrpc;
import dev.signet.proto.agent.v1.SyncAuthorizedRequest;
import dev.signet.proto.agent.v1.SyncAuthorizedResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.TrustManagerFactoryWrapper;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * A simulated node agent: attests with a join token over server-authenticated TLS, then talks to the agent API
 * over mutual TLS with its own SVID, like {@code signet agent run}, but without serving workloads.
 */
final class SimAgent implements AutoCloseable {
    final String spiffeId;
    final ManagedChannel channel;
    final AgentApiGrpc.AgentApiStub async;
    final AgentApiGrpc.AgentApiBlockingStub blocking;

    private SimAgent(String spiffeId, ManagedChannel channel) {
        this.spiffeId = spiffeId;
        this.channel = channel;
        this.async = AgentApiGrpc.newStub(channel);
        this.blocking = AgentApiGrpc.newBlockingStub(channel);
    }

    static SimAgent attest(EventLoopGroup group, String host, int port, String trustDomain, List<X509Certificate> bundle,
            String joinToken) throws Exception {
        ManagedChannel bootstrap = channel(group, host, port, trustDomain, bundle, SslContextBuilder.forClient());
        AgentAttestation.Result r;
        try {
            r = AgentAttestation.attest(bootstrap, joinToken);
        } finally {
            bootstrap.shutdownNow();
        }
        ManagedChannel ch = channel(group, host, port, trustDomain, bundle,
                SslContextBuilder.forClient().keyManager(r.key().getPrivate(), r.chain().toArray(new X509Certificate[0])));
        return new SimAgent(r.spiffeId(), ch);
    }

    /** Opens the sync stream; {@code onResponse} gets every push with its arrival time (System.nanoTime). */
    void sync(Consumer<SyncAuthorizedResponse> onResponse, Consumer<Throwable> onError) {
        async.syncAuthorized(SyncAuthorizedRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(SyncAuthorizedResponse r) {
                onResponse.accept(r);
            }

            @Override
            public void onError(Throwable t) {
                onError.accept(t);
            }

            @Override
            public void onCompleted() {
                onError.accept(new IllegalStateException("sync stream ended"));
            }
        });
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }

    private static ManagedChannel channel(EventLoopGroup group, String host, int port, String trustDomain,
            List<X509Certificate> bundle, SslContextBuilder b) throws Exception {
        SslContext ctx = GrpcSslContexts.configure(b, SslProvider.JDK)
                .trustManager(new TrustManagerFactoryWrapper(new ServerTrust(trustDomain, bundle)))
                .protocols("TLSv1.3", "TLSv1.2")
                .build();
        return NettyChannelBuilder.forAddress(host, port)
                .channelType(EpollSocketChannel.class)
                .eventLoopGroup(group)
                .sslContext(ctx)
                .maxInboundMessageSize(256 * 1024 * 1024)
                .build();
    }

    /** Accepts the trust domain's server SVID chaining to the bundle; no host name check (SPIFFE). */
    private static final class ServerTrust extends ServerCertificateTrustManager {
        private final String expected;
        private final List<X509Certificate> bundle;

        ServerTrust(String trustDomain, List<X509Certificate> bundle) {
            this.expected = "spiffe://" + trustDomain + "/signet/server";
            this.bundle = bundle;
        }

        @Override
        protected void checkServer(X509Certificate[] chain, String authType) throws CertificateException {
            SpiffeId id;
            try {
                id = SvidVerifier.verify(List.of(chain), bundle, Instant.now());
            } catch (GeneralSecurityException e) {
                throw new CertificateException(e);
            }
            if (!expected.equals(id.toString())) {
                throw new CertificateException("server presented " + id);
            }
        }
    }
}
