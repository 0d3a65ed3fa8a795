package dev.signet.server.api.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.SigningProvider;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.identity.ServerIdentity;
import dev.signet.server.store.Datastore;
import dev.signet.server.store.sql.SqliteDatastore;
import dev.signet.testing.ManualClock;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The agent API's TLS ({@link ServerTls}) on a real gRPC server and socket, with the CA on each crypto provider and the
 * TLS engine that choice selects: the server's own {@link SSLSession} (read from the call's transport attributes) shows
 * which engine ran the handshake — BoringSSL through netty-tcnative ({@code io.netty.handler.ssl.*}) for
 * {@code conscrypt}/{@code auto}, the JDK's ({@code sun.security.ssl.*}) for {@code bouncycastle} — the same
 * client-auth, rotation and refusal behaviour holds under both, and either costs the server one file descriptor per
 * agent connection. Clients are JDK TLS clients, as a peer independent of the server.
 */
class ServerTlsProviderTest {
    private static final TrustDomain TD = new TrustDomain("tls.example");
    @TempDir Path dir;
    private final ManualClock clock = new ManualClock();
    private final List<SSLSession> serverSessions = new CopyOnWriteArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private Datastore store;
    private io.grpc.Server server;
    private CertificateAuthority ca;
    private ServerIdentity identity;

    @BeforeEach
    void open() {
        store = SqliteDatastore.open(dir, clock);
    }

    @AfterEach
    void close() throws InterruptedException {
        channels.forEach(ManagedChannel::shutdownNow);
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        store.close();
    }

    private void startServer(String providerName) throws Exception {
        SigningProvider.Choice choice = SigningProvider.Choice.parse(providerName);
        SigningProvider crypto = SigningProvider.select(choice);
        ca = new CertificateAuthority(TD, dir.resolve("ca"), Crypto.KeyType.EC_P256, Duration.ofHours(24), store.bundles(), clock, crypto);
        ca.initialize();
        identity = new ServerIdentity(ca, Duration.ofHours(1), List.of("localhost"), clock);
        ServerInterceptor capture = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                serverSessions.add(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                return next.startCall(call, headers);
            }
        };
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .sslContext(ServerTls.serverContext(identity, ca, clock, ServerTls.Engine.select(choice)))
                .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), capture))
                .build()
                .start();
    }

    /** A JDK TLS client trusting the CA bundle, presenting {@code chain} if given, recording the server chains it saw. */
    private ManagedChannel channel(List<X509Certificate> chain, PrivateKey key, List<List<X509Certificate>> seenServerChains,
            String... protocols) throws Exception {
        List<X509Certificate> roots = ca.bundle().x509Authorities();
        X509TrustManager tm = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] c, String authType) throws CertificateException {
                throw new CertificateException("not a server");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] c, String authType) throws CertificateException {
                seenServerChains.add(List.of(c));
                try {
                    dev.signet.core.x509.SvidVerifier.verify(List.of(c), roots, clock.instant());
                } catch (java.security.GeneralSecurityException e) {
                    throw new CertificateException(e.getMessage(), e);
                }
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SslContextBuilder b = SslContextBuilder.forClient();
        if (chain != null) {
            b.keyManager(key, chain.toArray(new X509Certificate[0]));
        }
        var ctx = GrpcSslContexts.configure(b, SslProvider.JDK).trustManager(tm)
                .protocols(protocols.length == 0 ? new String[] {"TLSv1.3", "TLSv1.2"} : protocols).build();
        ManagedChannel ch = NettyChannelBuilder.forAddress("localhost", server.getPort()).sslContext(ctx).build();
        channels.add(ch);
        return ch;
    }

    private static HealthCheckResponse.ServingStatus check(ManagedChannel ch) {
        return HealthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    }

    private List<X509Certificate> agentSvid(KeyPair kp) {
        return ca.signX509Svid(SpiffeId.parse("spiffe://tls.example/signet/agent/join_token/t1"), kp.getPublic(), Duration.ofHours(1), List.of());
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "conscrypt"})
    void nativeCryptoChosen_theServerHandshakesWithBoringSsl(String name) throws Exception {
        assertThat(io.netty.handler.ssl.OpenSsl.isAvailable()).as("netty-tcnative loads on this build's platform")
                .withFailMessage("netty-tcnative did not load: %s", io.netty.handler.ssl.OpenSsl.unavailabilityCause()).isTrue();
        startServer(name);
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
        List<X509Certificate> svid = agentSvid(kp);
        assertThat(check(channel(svid, kp.getPrivate(), new CopyOnWriteArrayList<>()))).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

        SSLSession s = serverSessions.get(0);
        assertThat(s.getClass().getName()).as("the server's SSLSession class: Netty's OpenSSL engine")
                .startsWith("io.netty.handler.ssl.");
        assertThat(s.getProtocol()).isEqualTo("TLSv1.3");
        assertThat(s.getPeerCertificates()[0]).as("the client SVID reached the server").isEqualTo(svid.get(0));
    }

    @Test
    void bouncyCastleChosen_theServerKeepsTheJdkTls() throws Exception {
        startServer("bouncycastle");
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
        List<X509Certificate> svid = agentSvid(kp);
        assertThat(check(channel(svid, kp.getPrivate(), new CopyOnWriteArrayList<>()))).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

        SSLSession s = serverSessions.get(0);
        assertThat(s.getClass().getName()).as("the server's SSLSession class").startsWith("sun.security.ssl.");
        assertThat(s.getProtocol()).isEqualTo("TLSv1.3");
        assertThat(s.getPeerCertificates()[0]).isEqualTo(svid.get(0));
    }

    @Test
    void engineChoice() {
        assertThat(ServerTls.Engine.select(SigningProvider.Choice.BOUNCYCASTLE, true, null).provider()).isEqualTo(SslProvider.JDK);
        assertThat(ServerTls.Engine.select(SigningProvider.Choice.AUTO, true, null).provider()).isEqualTo(SslProvider.OPENSSL);
        assertThat(ServerTls.Engine.select(SigningProvider.Choice.CONSCRYPT, true, null).provider()).isEqualTo(SslProvider.OPENSSL);
        ServerTls.Engine fallback = ServerTls.Engine.select(SigningProvider.Choice.AUTO, false,
                new UnsatisfiedLinkError("no netty_tcnative_linux_x86_64 in java.library.path"));
        assertThat(fallback.provider()).isEqualTo(SslProvider.JDK);
        assertThat(fallback.reason()).isEqualTo("JDK (netty-tcnative's BoringSSL did not load: "
                + "no netty_tcnative_linux_x86_64 in java.library.path)");
    }

    /**
     * Each agent connection costs the server one descriptor under either engine: its accepted socket, and no pipe per
     * connection (Conscrypt's engine holds one per SSL object, two more descriptors each). Counted by kind rather than
     * as a total, since the JVM opens and closes other descriptors (jars, other tests' sockets) at its own pace.
     */
    @ParameterizedTest
    @ValueSource(strings = {"conscrypt", "bouncycastle"})
    void oneDescriptorPerAgentConnection(String name) throws Exception {
        startServer(name);
        check(channel(null, null, new CopyOnWriteArrayList<>())); // event loops and their selectors exist from here on
        int connections = 40;
        long pipesBefore = descriptors(link -> link.startsWith("pipe:"));
        for (int i = 0; i < connections; i++) {
            assertThat(check(channel(null, null, new CopyOnWriteArrayList<>()))).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        }
        Set<String> accepted = acceptedSocketInodes(server.getPort());
        assertThat(descriptors(link -> accepted.contains(link))).as("the server's descriptors for its %d connections", connections + 1)
                .isEqualTo(connections + 1);
        assertThat(descriptors(link -> link.startsWith("pipe:")) - pipesBefore).as("pipes opened for %d connections", connections)
                .isLessThan(4);
    }

    /** Descriptors of this process whose link ({@code socket:[inode]}, {@code pipe:[inode]}, a path) matches. */
    private static long descriptors(java.util.function.Predicate<String> link) throws java.io.IOException {
        long n = 0;
        try (var fds = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (link.test(java.nio.file.Files.readSymbolicLink(fd).toString())) {
                        n++;
                    }
                } catch (java.io.IOException closedMeanwhile) {
                    // the listing's own descriptor, or one closed since: not ours to count
                }
            }
        }
        return n;
    }

    /** {@code socket:[inode]} of the established TCP connections whose local port is {@code port} (the accepted ones). */
    private static Set<String> acceptedSocketInodes(int port) throws java.io.IOException {
        Set<String> inodes = new java.util.HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path t = Path.of(table);
            if (!java.nio.file.Files.exists(t)) {
                continue;
            }
            List<String> lines = java.nio.file.Files.readAllLines(t);
            for (String line : lines.subList(1, lines.size())) { // after the header line
                String[] f = line.trim().split("\\s+");
                String local = f[1];
                int localPort = Integer.parseInt(local.substring(local.indexOf(':') + 1), 16);
                if (localPort == port && f[3].equals("01")) { // 01 = ESTABLISHED
                    inodes.add("socket:[" + f[9] + "]");
                }
            }
        }
        return inodes;
    }

    @ParameterizedTest
    @ValueSource(strings = {"conscrypt", "bouncycastle"})
    void tls12ClientsAndClientsWithoutCertificateAreServed(String name) throws Exception {
        startServer(name);
        assertThat(check(channel(null, null, new CopyOnWriteArrayList<>(), "TLSv1.2"))).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        SSLSession s = serverSessions.get(0);
        assertThat(s.getProtocol()).isEqualTo("TLSv1.2");
        assertThat(s.getCipherSuite()).as("gRPC's HTTP/2 cipher policy").contains("_GCM_").startsWith("TLS_ECDHE_ECDSA_");
        assertThatThrownBy(s::getPeerCertificates).as("no client certificate: optional at the TLS layer")
                .isInstanceOf(SSLPeerUnverifiedException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"conscrypt", "bouncycastle"})
    void aRotatedServerSvidIsPresentedFromTheNextHandshake(String name) throws Exception {
        startServer(name);
        List<List<X509Certificate>> seen = new CopyOnWriteArrayList<>();
        check(channel(null, null, seen));
        X509Certificate first = seen.get(0).get(0);
        assertThat(first).isEqualTo(identity.chain().get(0));

        identity.renew();
        X509Certificate second = identity.chain().get(0);
        assertThat(second.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
        List<List<X509Certificate>> seenAfter = new CopyOnWriteArrayList<>();
        check(channel(null, null, seenAfter));
        assertThat(seenAfter.get(0).get(0)).as("the key manager is asked per handshake").isEqualTo(second);
        assertThat(Certificates.spiffeId(second)).contains(SpiffeId.parse("spiffe://tls.example/signet/server"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"conscrypt", "bouncycastle"})
    void aClientCertificateOutsideTheBundleIsRefused(String name) throws Exception {
        startServer(name);
        // a CA the server does not know, issuing an agent ID of the server's own trust domain
        dev.signet.core.x509.SigningProvider bc = SigningProvider.bouncyCastle();
        KeyPair foreignCaKey = Crypto.generate(Crypto.KeyType.EC_P256);
        X509Certificate foreignCa = dev.signet.server.ca.X509Profiles.selfSignedCa(TD, foreignCaKey.getPublic(), foreignCaKey.getPrivate(),
                clock.instant().minusSeconds(60), clock.instant().plus(Duration.ofHours(1)), bc);
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
        List<X509Certificate> forged = foreignLeaf(foreignCa, foreignCaKey, kp);
        ManagedChannel ch = channel(forged, kp.getPrivate(), new CopyOnWriteArrayList<>());
        assertThatThrownBy(() -> check(ch)).isInstanceOf(StatusRuntimeException.class)
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE));
        assertThat(serverSessions).as("no call reached the service").isEmpty();
        assertThatThrownBy(() -> new ServerTls.BundleTrustManager(ca, clock).checkClientTrusted(forged.toArray(new X509Certificate[0]), "EC"))
                .as("the refusal's reason").hasMessageStartingWith("client certificate is not a valid X509-SVID of this trust domain: ");

        // the same client with an SVID of the server's CA is served
        List<X509Certificate> svid = agentSvid(kp);
        assertThat(check(channel(svid, kp.getPrivate(), new CopyOnWriteArrayList<>()))).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    private List<X509Certificate> foreignLeaf(X509Certificate issuer, KeyPair issuerKey, KeyPair leafKey) throws Exception {
        var b = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(7),
                java.util.Date.from(clock.instant().minusSeconds(60)), java.util.Date.from(clock.instant().plus(Duration.ofHours(1))),
                new javax.security.auth.x500.X500Principal("O=SPIFFE"), leafKey.getPublic());
        b.addExtension(org.bouncycastle.asn1.x509.Extension.basicConstraints, true, new org.bouncycastle.asn1.x509.BasicConstraints(false));
        b.addExtension(org.bouncycastle.asn1.x509.Extension.keyUsage, true,
                new org.bouncycastle.asn1.x509.KeyUsage(org.bouncycastle.asn1.x509.KeyUsage.digitalSignature));
        b.addExtension(org.bouncycastle.asn1.x509.Extension.subjectAlternativeName, false, new org.bouncycastle.asn1.x509.GeneralNames(
                new org.bouncycastle.asn1.x509.GeneralName(org.bouncycastle.asn1.x509.GeneralName.uniformResourceIdentifier,
                        "spiffe://tls.example/signet/agent/join_token/t1")));
        X509Certificate leaf = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(b.build(
                new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").setProvider(Crypto.PROVIDER)
                        .build(issuerKey.getPrivate())));
        return List.of(leaf, issuer);
    }
}
