package dev.signet.agent.endpoints.workload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.proto.workload.SpiffeWorkloadAPIGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A plain grpc-netty client over the Unix socket, like the reference clients (epoll, plaintext). */
final class WorkloadClient implements AutoCloseable {
    static final Metadata.Key<String> HEADER = Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    final ManagedChannel channel;

    WorkloadClient(Path socket) {
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(group)
                .usePlaintext()
                .build();
    }

    /** A stub that sends {@code workload.spiffe.io: true}. */
    SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIStub stub() {
        return stub("true");
    }

    /** A stub that sends the header once per value given (none: no header). */
    SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIStub stub(String... headerValues) {
        return SpiffeWorkloadAPIGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers(headerValues)));
    }

    /** A blocking stub (for the unary RPCs) that sends {@code workload.spiffe.io: true}, with a 5 s deadline. */
    SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIBlockingStub blockingStub() {
        return SpiffeWorkloadAPIGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers("true")))
                .withDeadlineAfter(5, TimeUnit.SECONDS);
    }

    static Metadata headers(String... values) {
        Metadata md = new Metadata();
        for (String v : values) {
            md.put(HEADER, v);
        }
        return md;
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    /** Records a response stream: its messages, then its final status. */
    static final class Recorder<T> implements ClientResponseObserver<Object, T> {
        final LinkedBlockingQueue<T> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Status> status = new CompletableFuture<>();
        private volatile ClientCallStreamObserver<Object> call;

        @Override
        public void beforeStart(ClientCallStreamObserver<Object> requestStream) {
            call = requestStream;
        }

        @Override
        public void onNext(T value) {
            messages.add(value);
        }

        @Override
        public void onError(Throwable t) {
            status.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            status.complete(Status.OK);
        }

        /** The next message; fails if none arrives within 5 s or the stream ends first. */
        T next() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline) {
                T m = messages.poll(20, TimeUnit.MILLISECONDS);
                if (m != null) {
                    return m;
                }
                if (status.isDone() && messages.isEmpty()) {
                    throw new AssertionError("stream ended with " + status.join() + " instead of sending a message");
                }
            }
            throw new AssertionError("no message within 5 s");
        }

        /** The final status (waits up to 5 s). */
        Status awaitStatus() throws Exception {
            return status.get(5, TimeUnit.SECONDS);
        }

        /** Asserts the stream ended with {@code code} and {@code description} and sent no message. */
        void assertFailedWithoutMessages(Status.Code code, String description) throws Exception {
            Status s = awaitStatus();
            assertThat(s.getCode()).as("status of " + s).isEqualTo(code);
            if (description != null) {
                assertThat(s.getDescription()).isEqualTo(description);
            }
            assertThat(messages).as("messages before the error").isEmpty();
        }

        void cancel() {
            call.cancel("test cancels", null);
        }
    }
}
