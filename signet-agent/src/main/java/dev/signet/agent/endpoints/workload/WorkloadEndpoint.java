package dev.signet.agent.endpoints.workload;

import dev.signet.agent.attestor.workload.WorkloadAttestor;
import dev.signet.agent.endpoints.sds.SdsService;
import dev.signet.agent.peer.PeerContext;
import dev.signet.agent.peer.PeerCredentialsNegotiator;
import dev.signet.agent.peer.PeerTracker;
import dev.signet.core.x509.SigningProvider;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the {@link WorkloadApiService} and Envoy SDS ({@link SdsService}: same peer credentials,
 * attestors and attestation executor, no security header) over plaintext gRPC on a Unix domain socket
 * (SPIRE agent behaviour, reference-spire.md §2.1): a stale socket file is replaced, a missing parent
 * directory is created 0755, the socket is made 0777 (any local process may ask; attestation decides
 * what it gets), gRPC reflection is on, and the socket file is removed on stop. Linux epoll only.
 *
 * <p>Resources are bounded: one accept thread, a fixed number of event-loop and attestation threads
 * (gRPC handlers run on the event loop: they never block), a bounded attestation queue, small inbound messages and metadata, a per-connection call limit,
 * a first-byte timeout (a client that connects and sends nothing is disconnected) and an idle timeout for
 * connections with no calls. Garbage on the socket only closes that connection.
 */
public final class WorkloadEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkloadEndpoint.class);
    /** sun_path is 108 bytes including the terminating NUL. */
    private static final int MAX_SOCKET_PATH_BYTES = 107;

    /**
     * Endpoint settings.
     *
     * @param maxRequestBytes largest inbound message; larger ones fail RESOURCE_EXHAUSTED. Workload API
     *     requests are tiny, but ValidateJWTSVID carries a token, so the default is 64 KiB
     * @param maxCallsPerConnection concurrent calls on one connection (HTTP/2 MAX_CONCURRENT_STREAMS)
     * @param firstByteTimeout a connection that sends nothing for this long after connecting is closed
     * @param idleConnectionTimeout a connection with no call for this long is closed (GOAWAY; clients reconnect)
     * @param shutdownGrace how long {@link #stop()} waits for calls to end before forcing them
     */
    public record Config(
            Path socketPath,
            int maxRequestBytes,
            int maxCallsPerConnection,
            Duration firstByteTimeout,
            Duration idleConnectionTimeout,
            int eventLoopThreads,
            int attestationThreads,
            int attestationQueue,
            Duration shutdownGrace,
            PeerTracker peerTracker) {

        public Config {
            Objects.requireNonNull(socketPath, "socketPath");
            Objects.requireNonNull(firstByteTimeout, "firstByteTimeout");
            Objects.requireNonNull(idleConnectionTimeout, "idleConnectionTimeout");
            Objects.requireNonNull(shutdownGrace, "shutdownGrace");
            Objects.requireNonNull(peerTracker, "peerTracker");
            if (maxRequestBytes < 1024 || maxCallsPerConnection < 1 || eventLoopThreads < 1 || attestationThreads < 1 || attestationQueue < 1) {
                throw new IllegalArgumentException("workload endpoint limits must be positive (maxRequestBytes at least 1024)");
            }
        }

        /**
         * Calls waiting for an attestation thread by default. Each call is attested on arrival, so a burst of
         * connects (every workload of a node restarting at once) queues one task per call; a queued task is a
         * few hundred bytes next to the connection it serves, so a deep queue costs little memory, and CPU
         * alone decides how fast it drains. 4,096 admits bursts of thousands of simultaneous calls (256, the
         * earlier default, refused 13 of 1,000 simultaneous connects in the benchmark); beyond it a call
         * fails UNAVAILABLE "too many concurrent Workload API requests" and the client retries.
         */
        public static final int DEFAULT_ATTESTATION_QUEUE = 4096;

        /**
         * Defaults: 64 KiB requests, 100 calls per connection, 10 s to the first byte, 5 min idle, up to 2
         * event-loop threads, one attestation thread per CPU (at least 2) with {@value #DEFAULT_ATTESTATION_QUEUE}
         * queued, 2 s grace, and peer tracking on {@code /proc} with SO_PEERPIDFD where available.
         */
        public static Config defaults(Path socketPath) {
            int cpus = Runtime.getRuntime().availableProcessors();
            return new Config(socketPath, 64 * 1024, 100, Duration.ofSeconds(10), Duration.ofMinutes(5), Math.min(2, cpus),
                    Math.max(2, cpus), DEFAULT_ATTESTATION_QUEUE, Duration.ofSeconds(2), new PeerTracker());
        }

        public Config withAttestation(int threads, int queue) {
            return new Config(socketPath, maxRequestBytes, maxCallsPerConnection, firstByteTimeout, idleConnectionTimeout,
                    eventLoopThreads, threads, queue, shutdownGrace, peerTracker);
        }

        public Config withPeerTracker(PeerTracker tracker) {
            return new Config(socketPath, maxRequestBytes, maxCallsPerConnection, firstByteTimeout, idleConnectionTimeout,
                    eventLoopThreads, attestationThreads, attestationQueue, shutdownGrace, tracker);
        }

        public Config withFirstByteTimeout(Duration timeout) {
            return new Config(socketPath, maxRequestBytes, maxCallsPerConnection, timeout, idleConnectionTimeout,
                    eventLoopThreads, attestationThreads, attestationQueue, shutdownGrace, peerTracker);
        }

        public Config withMaxRequestBytes(int bytes) {
            return new Config(socketPath, bytes, maxCallsPerConnection, firstByteTimeout, idleConnectionTimeout,
                    eventLoopThreads, attestationThreads, attestationQueue, shutdownGrace, peerTracker);
        }
    }

    private final Config config;
    private final IdentitySource source;
    private final List<WorkloadAttestor> attestors;
    private final SigningProvider crypto;

    private Server server;
    private WorkloadApiService service;
    private SdsService sds;
    private EventLoopGroup acceptGroup;
    private EventLoopGroup ioGroup;
    private ThreadPoolExecutor attestationExecutor;
    /** True once this endpoint bound the socket, so stop() never deletes another process's socket. */
    private boolean bound;

    /** @param attestors the configured workload attestors, at least one */
    public WorkloadEndpoint(Config config, IdentitySource source, List<WorkloadAttestor> attestors) {
        this(config, source, attestors, SigningProvider.bouncyCastle());
    }

    /**
     * @param attestors the configured workload attestors, at least one
     * @param crypto verifies the signatures of tokens given to ValidateJWTSVID (the agent's {@code crypto_provider})
     */
    public WorkloadEndpoint(Config config, IdentitySource source, List<WorkloadAttestor> attestors, SigningProvider crypto) {
        this.crypto = Objects.requireNonNull(crypto, "crypto");
        this.config = Objects.requireNonNull(config, "config");
        this.source = Objects.requireNonNull(source, "source");
        this.attestors = List.copyOf(attestors);
        if (this.attestors.isEmpty()) {
            throw new IllegalArgumentException("at least one workload attestor is required");
        }
    }

    public Path socketPath() {
        return config.socketPath();
    }

    /** Binds the socket and starts serving. */
    public synchronized void start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("workload endpoint already started");
        }
        if (!Epoll.isAvailable()) {
            throw new IOException("the Workload API needs Linux epoll, which is unavailable: " + Epoll.unavailabilityCause());
        }
        Path socket = config.socketPath().toAbsolutePath();
        prepareSocketPath(socket);

        acceptGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("signet-workload-accept", true), EpollIoHandler.newFactory());
        ioGroup = new MultiThreadIoEventLoopGroup(config.eventLoopThreads(), new DefaultThreadFactory("signet-workload-io", true),
                EpollIoHandler.newFactory());
        attestationExecutor = new ThreadPoolExecutor(config.attestationThreads(), config.attestationThreads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(config.attestationQueue()), new DefaultThreadFactory("signet-workload-attest", true));
        attestationExecutor.allowCoreThreadTimeOut(true);
        service = new WorkloadApiService(source, attestors, attestationExecutor, java.time.Clock.systemUTC(), crypto);
        sds = new SdsService(source, attestors, attestationExecutor);

        try {
            server = NettyServerBuilder
                    .forAddress(new DomainSocketAddress(socket.toString()), PeerCredentialsNegotiator.serverCredentials(config.peerTracker(), config.firstByteTimeout()))
                    .channelType(EpollServerDomainSocketChannel.class)
                    .bossEventLoopGroup(acceptGroup)
                    .workerEventLoopGroup(ioGroup)
                    // Handlers run on the event loop: they only check the header and hand attestation off (or
                    // send an already-rendered message), never block, so a gRPC executor would only add a thread
                    // hand-off (a wake-up and a context switch) to every call.
                    .directExecutor()
                    // Unix-socket peers that die are seen as a closed socket at once: no keepalive pings/timers.
                    .keepAliveTime(Long.MAX_VALUE, TimeUnit.NANOSECONDS)
                    // Requests are tiny (ValidateJWTSVID's token is the largest): HTTP/2's default 64 KiB window
                    // needs no WINDOW_UPDATE frame on every new connection, as gRPC's 1 MiB default does.
                    .flowControlWindow(65535)
                    .maxInboundMessageSize(config.maxRequestBytes())
                    .maxInboundMetadataSize(8 * 1024)
                    .maxConcurrentCallsPerConnection(config.maxCallsPerConnection())
                    .maxConnectionIdle(config.idleConnectionTimeout().toNanos(), TimeUnit.NANOSECONDS)
                    // The last interceptor runs first: the security header is checked before anything else.
                    .addService(ServerInterceptors.intercept(service, new PeerContext(), new SecurityHeaderInterceptor()))
                    // Envoy sends no workload.spiffe.io header and SPIRE requires none for SDS.
                    .addService(ServerInterceptors.intercept(sds, new PeerContext()))
                    .addService(ProtoReflectionServiceV1.newInstance())
                    .addService(legacyReflection())
                    .build()
                    .start();
            bound = true;
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rwxrwxrwx"));
        } catch (IOException | RuntimeException e) {
            stop();
            throw e instanceof IOException io ? io : new IOException("cannot serve the Workload API on " + socket + ": " + e.getMessage(), e);
        }
        log.info("Workload API and Envoy SDS listening on {}", socket);
    }

    /** grpc.reflection.v1alpha, which older grpcurl and grpc_cli still ask for first. */
    @SuppressWarnings("deprecation")
    private static io.grpc.BindableService legacyReflection() {
        return io.grpc.protobuf.services.ProtoReflectionService.newInstance();
    }

    /**
     * Stops serving: open streams end with UNAVAILABLE at once (clients reconnect), the socket file is
     * removed. Idempotent.
     */
    public synchronized void stop() {
        if (server != null) {
            server.shutdown();
            service.shutdown();
            sds.shutdown();
            try {
                if (!server.awaitTermination(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                    server.shutdownNow();
                    server.awaitTermination(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                server.shutdownNow();
                Thread.currentThread().interrupt();
            }
            server = null;
        }
        if (attestationExecutor != null) {
            // shutdown, not shutdownNow: queued tasks include closing the streams' cache subscriptions
            attestationExecutor.shutdown();
            try {
                if (!attestationExecutor.awaitTermination(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                    attestationExecutor.shutdownNow();
                }
            } catch (InterruptedException e) {
                attestationExecutor.shutdownNow();
                Thread.currentThread().interrupt();
            }
            attestationExecutor = null;
        }
        for (EventLoopGroup group : new EventLoopGroup[] {acceptGroup, ioGroup}) {
            if (group != null) {
                group.shutdownGracefully(0, config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)
                        .awaitUninterruptibly(config.shutdownGrace().toMillis() * 2);
            }
        }
        acceptGroup = null;
        ioGroup = null;
        if (bound) {
            bound = false;
            try {
                Files.deleteIfExists(config.socketPath());
                log.info("Workload API stopped; removed {}", config.socketPath());
            } catch (IOException e) {
                log.warn("cannot remove socket {}: {}", config.socketPath(), e.toString());
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Streams open right now (for tests and metrics); 0 when stopped. */
    public synchronized int openStreams() {
        return service == null ? 0 : service.openStreams() + sds.openStreams();
    }

    private static void prepareSocketPath(Path socket) throws IOException {
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
            throw new IOException("socket path " + socket + " is longer than " + MAX_SOCKET_PATH_BYTES + " bytes");
        }
        Path dir = socket.getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            // Set explicitly: the umask may have narrowed the mode given at creation.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & 0170000) != 0140000) {
                throw new IOException(socket + " exists and is not a socket; refusing to replace it");
            }
            if (someoneListens(socket)) {
                throw new IOException("another process already serves on " + socket);
            }
            Files.delete(socket);
            log.info("removed stale socket {}", socket);
        }
    }

    private static boolean someoneListens(Path socket) {
        try (SocketChannel ignored = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
