package dev.signet.agent.endpoints.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.agent.peer.PeerTracker;
import dev.signet.proto.workload.X509SVIDRequest;
import dev.signet.proto.workload.X509SVIDResponse;
import dev.signet.testing.Poll;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The endpoint's socket handling, lifecycle and robustness, with real sockets. */
class WorkloadEndpointTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki("example.org");
    private final FakeIdentitySource source = new FakeIdentitySource();
    private final FakeAttestor attestor = new FakeAttestor();
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
        source.close();
    }

    private WorkloadEndpoint start(WorkloadEndpoint.Config config) throws IOException {
        WorkloadEndpoint endpoint = new WorkloadEndpoint(config, source, List.of(attestor));
        endpoint.start();
        cleanup.add(endpoint);
        return endpoint;
    }

    private WorkloadEndpoint start() throws IOException {
        return start(WorkloadEndpoint.Config.defaults(dir.resolve("agent.sock")));
    }

    private WorkloadClient client(WorkloadEndpoint endpoint) {
        WorkloadClient client = new WorkloadClient(endpoint.socketPath());
        cleanup.add(client);
        return client;
    }

    @SuppressWarnings("unchecked")
    private static <T> StreamObserver<T> cast(WorkloadClient.Recorder<T> r) {
        return (StreamObserver<T>) (StreamObserver<?>) r;
    }

    private static WorkloadClient.Recorder<X509SVIDResponse> fetch(WorkloadClient client) {
        WorkloadClient.Recorder<X509SVIDResponse> r = new WorkloadClient.Recorder<>();
        client.stub().fetchX509SVID(X509SVIDRequest.getDefaultInstance(), cast(r));
        return r;
    }

    /** A normal call on a fresh connection gets its SVID: the server still serves. */
    private void assertServes(WorkloadEndpoint endpoint) throws Exception {
        try (WorkloadClient fresh = new WorkloadClient(endpoint.socketPath())) {
            assertThat(fetch(fresh).next().getSvidsCount()).isEqualTo(1);
        }
    }

    // ---- the socket file ----

    @Test
    void socketIsMode0777AndAMissingParentIsCreated0755() throws Exception {
        Path socket = dir.resolve("run/signet/agent.sock");
        start(WorkloadEndpoint.Config.defaults(socket));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rwxrwxrwx");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent()))).isEqualTo("rwxr-xr-x");
    }

    @Test
    void staleSocketFileIsReplaced() throws Exception {
        Path socket = dir.resolve("agent.sock");
        try (ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            old.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists(); // the JDK leaves the file behind, like a crashed agent

        source.set(pki.update(pki.identity("e1", "/a", "")));
        assertServes(start());
    }

    @Test
    void refusesToReplaceAFileThatIsNotASocket() throws Exception {
        Path socket = dir.resolve("agent.sock");
        Files.writeString(socket, "precious");
        WorkloadEndpoint endpoint = new WorkloadEndpoint(WorkloadEndpoint.Config.defaults(socket), source, List.of(attestor));

        assertThatThrownBy(endpoint::start).isInstanceOf(IOException.class).hasMessageContaining("is not a socket");
        endpoint.stop();
        assertThat(socket).hasContent("precious");
    }

    @Test
    void refusesASocketAnotherServerListensOnAndLeavesItAlone() throws Exception {
        source.set(pki.update(pki.identity("e1", "/a", "")));
        WorkloadEndpoint first = start();
        WorkloadEndpoint second = new WorkloadEndpoint(WorkloadEndpoint.Config.defaults(first.socketPath()), source, List.of(attestor));

        assertThatThrownBy(second::start).isInstanceOf(IOException.class).hasMessageContaining("another process already serves");
        second.stop();
        assertServes(first);
    }

    @Test
    void stopRemovesTheSocketFile() throws Exception {
        WorkloadEndpoint endpoint = start();
        assertThat(endpoint.socketPath()).exists();
        endpoint.stop();
        assertThat(endpoint.socketPath()).doesNotExist();
        endpoint.stop(); // idempotent
    }

    @Test
    void stopIsPromptWithOpenStreamsWhichEndUnavailable() throws Exception {
        source.set(pki.update(pki.identity("e1", "/a", "")));
        WorkloadEndpoint endpoint = start();
        WorkloadClient client = client(endpoint);
        List<WorkloadClient.Recorder<X509SVIDResponse>> streams = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            WorkloadClient.Recorder<X509SVIDResponse> r = fetch(client);
            r.next();
            streams.add(r);
        }

        long started = System.nanoTime();
        endpoint.stop();
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertThat(tookMillis).as("stop with open streams, ms").isLessThan(1500);
        for (WorkloadClient.Recorder<X509SVIDResponse> r : streams) {
            assertThat(r.awaitStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        }
        Poll.until(WAIT, "unsubscribed", () -> source.activeSubscriptions() == 0);
    }

    // ---- robustness ----

    @Test
    void garbageBytesOnTheSocketOnlyCloseThatConnection() throws Exception {
        source.set(pki.update(pki.identity("e1", "/a", "")));
        WorkloadEndpoint endpoint = start();
        byte[] garbage = new byte[4096];
        new Random(42).nextBytes(garbage);

        // Random bytes; HTTP/1.1; a valid HTTP/2 preface followed by a frame longer than any allowed.
        byte[] http1 = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] hugeFrame = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\u00ff\u00ff\u00ff\u0000\u0000\u0000\u0000\u0000\u0000"
                .getBytes(StandardCharsets.ISO_8859_1);
        for (byte[] payload : List.of(garbage, http1, hugeFrame)) {
            try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(endpoint.socketPath()))) {
                raw.write(ByteBuffer.wrap(payload));
                awaitClosedByServer(raw);
            }
        }
        assertServes(endpoint);
    }

    @Test
    void aClientThatSendsNothingIsDisconnected() throws Exception {
        source.set(pki.update(pki.identity("e1", "/a", "")));
        WorkloadEndpoint endpoint = start(WorkloadEndpoint.Config.defaults(dir.resolve("agent.sock")).withFirstByteTimeout(Duration.ofMillis(200)));
        try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(endpoint.socketPath()))) {
            awaitClosedByServer(raw);
        }
        assertServes(endpoint);
    }

    /** Reads (discarding the server's HTTP/2 preface) until the server closes the connection. */
    private static void awaitClosedByServer(SocketChannel raw) throws IOException {
        raw.configureBlocking(false);
        ByteBuffer sink = ByteBuffer.allocate(8192);
        Poll.until(WAIT, "server closes the connection", () -> {
            try {
                sink.clear();
                return raw.read(sink) < 0;
            } catch (IOException e) {
                return true; // reset by the server: closed as well
            }
        });
    }

    @Test
    void oversizedRequestIsResourceExhaustedAndTheServerStillServes() throws Exception {
        source.set(pki.update(pki.identity("e1", "/a", "")));
        WorkloadEndpoint endpoint = start(WorkloadEndpoint.Config.defaults(dir.resolve("agent.sock")).withMaxRequestBytes(4096));
        WorkloadClient client = client(endpoint);

        WorkloadClient.Recorder<byte[]> r = new WorkloadClient.Recorder<>();
        Channel withHeader = ClientInterceptors.intercept(client.channel, MetadataUtils.newAttachHeadersInterceptor(WorkloadClient.headers("true")));
        var call = withHeader.newCall(RawMethods.serverStreaming("SpiffeWorkloadAPI/FetchX509SVID"),
                CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS));
        ClientCalls.asyncServerStreamingCall(call, new byte[100 * 1024], cast(r));
        r.assertFailedWithoutMessages(Status.Code.RESOURCE_EXHAUSTED, null);
        assertThat(attestor.callers).isEmpty();

        assertThat(fetch(client).next().getSvidsCount()).as("same connection still serves").isEqualTo(1);
        assertServes(endpoint);
    }

    @Test
    void threadsStayBoundedUnderManyConnections() throws Exception {
        source.set(pki.update(pki.identity("e1", "/a", "")));
        WorkloadEndpoint.Config config = WorkloadEndpoint.Config.defaults(dir.resolve("agent.sock"));
        long lingering = serverThreads(); // earlier tests' endpoints may still be winding down; they only go away
        WorkloadEndpoint endpoint = start(config);
        List<SocketChannel> silent = new ArrayList<>();
        try {
            for (int i = 0; i < 30; i++) {
                silent.add(SocketChannel.open(UnixDomainSocketAddress.of(endpoint.socketPath())));
            }
            List<WorkloadClient> clients = new ArrayList<>();
            List<WorkloadClient.Recorder<X509SVIDResponse>> streams = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                WorkloadClient c = client(endpoint);
                clients.add(c);
                streams.add(fetch(c));
            }
            for (WorkloadClient.Recorder<X509SVIDResponse> r : streams) {
                r.next();
            }
            // accept + event loops + gRPC handlers + attestation: fixed, whatever the number of connections
            assertThat(serverThreads()).isLessThanOrEqualTo(lingering + 1 + config.eventLoopThreads() + 2L * config.attestationThreads());
        } finally {
            for (SocketChannel s : silent) {
                s.close();
            }
        }
    }

    private static long serverThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("signet-workload-")).count();
    }

    // ---- peer tracking end to end ----

    @Test
    void pidfdsAreClosedWhenConnectionsClose() throws Exception {
        source.set(pki.update(pki.identity("e1", "/a", "")));
        WorkloadEndpoint endpoint = start(WorkloadEndpoint.Config.defaults(dir.resolve("agent.sock"))
                .withPeerTracker(new PeerTracker(Path.of("/proc"), PeerTracker.Mode.PIDFD)));
        long before = openPidfds();

        List<WorkloadClient> clients = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            WorkloadClient c = new WorkloadClient(endpoint.socketPath());
            clients.add(c);
            fetch(c).next();
        }
        assertThat(openPidfds()).as("one pidfd per connection").isEqualTo(before + 5);

        for (WorkloadClient c : clients) {
            c.close();
        }
        Poll.until(WAIT, "pidfds released", () -> openPidfds() == before);
    }

    /** Descriptors of this process that are pidfds ("anon_inode:[pidfd]", or "pidfd:[...]" with pidfs). */
    static long openPidfds() {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().contains("pidfd");
                } catch (IOException e) {
                    return false; // closed meanwhile
                }
            }).count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void pidReusedDuringAttestationIsUnavailable() throws Exception {
        source.set(pki.update(pki.identity("e1", "/a", "")));
        long pid = ProcessHandle.current().pid();
        Path proc = dir.resolve("proc");
        Path stat = proc.resolve(Long.toString(pid)).resolve("stat");
        Files.createDirectories(stat.getParent());
        Files.writeString(stat, statLine(pid, 1000));
        WorkloadEndpoint endpoint = start(WorkloadEndpoint.Config.defaults(dir.resolve("agent.sock"))
                .withPeerTracker(new PeerTracker(proc, PeerTracker.Mode.START_TIME)));
        WorkloadClient client = client(endpoint);

        assertThat(fetch(client).next().getSvidsCount()).as("same start time: served").isEqualTo(1);

        // While the attestor reads /proc, "the caller exits and a new process gets its PID".
        attestor.during = () -> {
            try {
                Files.writeString(stat, statLine(pid, 2000));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        };
        WorkloadClient.Recorder<X509SVIDResponse> r = fetch(client);
        r.assertFailedWithoutMessages(Status.Code.UNAVAILABLE, "workload attestation failed");
        assertThat(source.subscribed).hasSize(1);
    }

    @Test
    void callerThatCannotBeTrackedIsUnavailableWithoutAttestation() throws Exception {
        source.set(pki.update(pki.identity("e1", "/a", "")));
        // An empty /proc: the caller's start time cannot be read at accept.
        WorkloadEndpoint endpoint = start(WorkloadEndpoint.Config.defaults(dir.resolve("agent.sock"))
                .withPeerTracker(new PeerTracker(Files.createDirectories(dir.resolve("empty-proc")), PeerTracker.Mode.START_TIME)));

        fetch(client(endpoint)).assertFailedWithoutMessages(Status.Code.UNAVAILABLE, "workload attestation failed");
        assertThat(attestor.callers).isEmpty();
    }

    static String statLine(long pid, long startTime) {
        StringBuilder s = new StringBuilder(pid + " (java) S 1");
        for (int field = 5; field <= 52; field++) {
            s.append(' ').append(field == 22 ? startTime : 0);
        }
        return s.append('\n').toString();
    }

}
