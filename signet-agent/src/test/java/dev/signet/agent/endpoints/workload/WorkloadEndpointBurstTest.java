package dev.signet.agent.endpoints.workload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.proto.workload.SpiffeWorkloadAPIGrpc;
import dev.signet.proto.workload.X509SVIDRequest;
import dev.signet.proto.workload.X509SVIDResponse;
import dev.signet.testing.Poll;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bursts of simultaneous Workload API calls: with the default configuration a thousand callers that arrive
 * while attestation is busy are all queued and served, and beyond the configured queue a call is refused
 * with a clear message. Attestation is held back by a gate until every call has arrived, so the queue
 * really holds them all at once.
 */
class WorkloadEndpointBurstTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki("example.org");
    private final FakeIdentitySource source = new FakeIdentitySource();
    private final FakeAttestor attestor = new FakeAttestor();
    private final CountDownLatch gate = new CountDownLatch(1);
    private final EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    private final List<ManagedChannel> channels = new ArrayList<>();
    private WorkloadEndpoint endpoint;

    @AfterEach
    void tearDown() throws Exception {
        gate.countDown();
        for (ManagedChannel c : channels) {
            c.shutdownNow();
        }
        for (ManagedChannel c : channels) {
            c.awaitTermination(5, TimeUnit.SECONDS);
        }
        clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        if (endpoint != null) {
            endpoint.stop();
        }
        source.close();
    }

    private void start(WorkloadEndpoint.Config config) throws Exception {
        source.set(pki.update(pki.identity("e1", "/a", "")));
        attestor.during = () -> {
            try {
                gate.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        endpoint = new WorkloadEndpoint(config, source, List.of(attestor));
        endpoint.start();
    }

    /** FetchX509SVID on a connection of its own. */
    private WorkloadClient.Recorder<X509SVIDResponse> fetchOnNewConnection() {
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(endpoint.socketPath().toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(clientGroup)
                .usePlaintext()
                .build();
        channels.add(channel);
        WorkloadClient.Recorder<X509SVIDResponse> r = new WorkloadClient.Recorder<>();
        SpiffeWorkloadAPIGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(WorkloadClient.headers("true")))
                .fetchX509SVID(X509SVIDRequest.getDefaultInstance(), cast(r));
        return r;
    }

    @SuppressWarnings("unchecked")
    private static <T> StreamObserver<T> cast(WorkloadClient.Recorder<T> r) {
        return (StreamObserver<T>) (StreamObserver<?>) r;
    }

    @Test
    void aThousandSimultaneousConnectsAreAllServedWithTheDefaults() throws Exception {
        int n = 1000;
        start(WorkloadEndpoint.Config.defaults(dir.resolve("agent.sock")));
        List<WorkloadClient.Recorder<X509SVIDResponse>> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            calls.add(fetchOnNewConnection());
        }
        // Every call has reached the service (streams are counted before attestation is queued), or one
        // was refused already: then there is no point waiting for the rest.
        Poll.until(WAIT, "all " + n + " calls queued for attestation, or one refused",
                () -> endpoint.openStreams() == n || calls.stream().anyMatch(c -> c.status.isDone()));
        List<Status> refused = calls.stream().filter(c -> c.status.isDone()).map(c -> c.status.join()).toList();
        assertThat(refused).as("calls ended while attestation was held back").isEmpty();
        assertThat(attestor.callers.size()).as("attestation threads busy, the rest queued").isLessThan(n);

        gate.countDown();
        for (WorkloadClient.Recorder<X509SVIDResponse> c : calls) {
            assertThat(c.next().getSvidsCount()).isEqualTo(1);
        }
        assertThat(attestor.callers).hasSize(n);
    }

    @Test
    void beyondTheQueueACallIsRefusedWithAClearMessage() throws Exception {
        start(WorkloadEndpoint.Config.defaults(dir.resolve("agent.sock")).withAttestation(1, 1));
        WorkloadClient.Recorder<X509SVIDResponse> first = fetchOnNewConnection();
        Poll.until(WAIT, "first call attesting", () -> attestor.callers.size() == 1);

        // One thread busy with the first, room for one more in the queue: of two more calls, one waits and
        // one is refused (whichever arrives second).
        WorkloadClient.Recorder<X509SVIDResponse> second = fetchOnNewConnection();
        WorkloadClient.Recorder<X509SVIDResponse> third = fetchOnNewConnection();
        Poll.until(WAIT, "one call refused", () -> second.status.isDone() || third.status.isDone());
        WorkloadClient.Recorder<X509SVIDResponse> refused = second.status.isDone() ? second : third;
        WorkloadClient.Recorder<X509SVIDResponse> queued = refused == second ? third : second;
        refused.assertFailedWithoutMessages(Status.Code.UNAVAILABLE, "too many concurrent Workload API requests");

        gate.countDown();
        assertThat(first.next().getSvidsCount()).isEqualTo(1);
        assertThat(queued.next().getSvidsCount()).isEqualTo(1);
        assertThat(attestor.callers).hasSize(2);
    }
}
