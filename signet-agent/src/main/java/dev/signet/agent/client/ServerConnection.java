package dev.signet.agent.client;

import dev.signet.core.x509.ServerCertificateTrustManager;
import dev.signet.core.spiffeid.ReservedIds;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.SigningProvider;
import dev.signet.core.x509.SvidVerifier;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.TrustManagerFactoryWrapper;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * TLS channels from the agent to the server. The server is authenticated as an X509-SVID with the ID
 * {@code spiffe://<td>/signet/server} chaining to the agent's current trust bundle — not by host name.
 * With insecure bootstrap (first contact only, no bundle yet) the chain is not verified, but the ID still
 * must match, as SPIRE does. The agent authenticates with its SVID once it has one.
 *
 * <p>With several servers ({@link ServerList}) each channel goes to one of them: the agent trusts the whole
 * synced bundle, which holds every server's root, so a server that did not sign the agent's SVID and whose
 * root the agent never bootstrapped from is authenticated like any other.
 *
 * <p>The TLS engine follows the agent's {@code crypto_provider}: Conscrypt's (BoringSSL: handshakes and AES-GCM
 * records in native code) when {@link SigningProvider} chose Conscrypt — the instance it loaded, never registered
 * globally — else the JDK's. Trust manager, client key, protocols (TLS 1.3 and 1.2) and gRPC's HTTP/2 ciphers are
 * the same under both.
 */
public final class ServerConnection implements AutoCloseable {
    private static final int CONNECT_TIMEOUT_MILLIS = 5000;
    private final ServerList servers;
    private final TrustDomain trustDomain;
    private final Supplier<List<X509Certificate>> bundle;
    private final Clock clock;
    private final SigningProvider crypto;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());

    /** Channels on Conscrypt's TLS when {@code crypto} is Conscrypt, else on the JDK's. */
    public ServerConnection(ServerList servers, TrustDomain trustDomain, Supplier<List<X509Certificate>> bundle, Clock clock,
            SigningProvider crypto) {
        this.servers = servers;
        this.trustDomain = trustDomain;
        this.bundle = bundle;
        this.clock = clock;
        this.crypto = crypto;
    }

    /** The servers and the failover position. */
    public ServerList servers() {
        return servers;
    }

    /** A channel to {@code server} authenticating the server only (for node attestation). */
    public ManagedChannel attestationChannel(ServerAddress server, boolean insecureBootstrap) throws SSLException {
        return channel(server, SslContextBuilder.forClient(), insecureBootstrap);
    }

    /** A channel to {@code server} presenting the agent's SVID. */
    public ManagedChannel agentChannel(ServerAddress server, List<X509Certificate> svidChain, PrivateKey key) throws SSLException {
        return channel(server, SslContextBuilder.forClient().keyManager(key, svidChain.toArray(new X509Certificate[0])), false);
    }

    private ManagedChannel channel(ServerAddress server, SslContextBuilder b, boolean insecure) throws SSLException {
        // gRPC would limit Conscrypt to TLS 1.2 (for old JDKs' trust managers); the protocols are set afterwards
        SslContext ctx = (crypto.kind() == SigningProvider.Choice.CONSCRYPT
                        ? GrpcSslContexts.configure(b, crypto.provider())
                        : GrpcSslContexts.configure(b, SslProvider.JDK))
                .trustManager(new TrustManagerFactoryWrapper(new ServerTrustManager(insecure)))
                .protocols("TLSv1.3", "TLSv1.2")
                .build();
        return NettyChannelBuilder.forAddress(server.host(), server.port())
                .channelType(EpollSocketChannel.class)
                .eventLoopGroup(group)
                .sslContext(ctx)
                .keepAliveTime(30, TimeUnit.SECONDS)
                // an unreachable server (not just a refused port) fails over after this, not Netty's 30 s
                .withOption(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .maxInboundMessageSize(64 * 1024 * 1024)
                .build();
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** Accepts exactly the trust domain's server SVID. */
    final class ServerTrustManager extends ServerCertificateTrustManager {
        private final boolean insecure;

        ServerTrustManager(boolean insecure) {
            this.insecure = insecure;
        }

        @Override
        protected void checkServer(X509Certificate[] chain, String authType) throws CertificateException {
            SpiffeId expected = ReservedIds.server(trustDomain);
            SpiffeId id;
            if (insecure) {
                id = chain.length == 0 ? null : Certificates.spiffeId(chain[0]).orElse(null);
            } else {
                try {
                    id = SvidVerifier.verify(Arrays.asList(chain), bundle.get(), clock.instant());
                } catch (GeneralSecurityException e) {
                    throw new CertificateException("server certificate does not chain to the trust bundle: " + e.getMessage(), e);
                }
            }
            if (!expected.equals(id)) {
                throw new CertificateException("server presented " + id + ", expected " + expected);
            }
        }
    }
}
