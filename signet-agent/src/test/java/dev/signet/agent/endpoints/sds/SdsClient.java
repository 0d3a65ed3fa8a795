package dev.signet.agent.endpoints.sds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An SDS client as Envoy is one: the Envoy API's generated stubs on grpc-netty with epoll over the Unix
 * socket, plaintext, no {@code workload.spiffe.io} header.
 */
final class SdsClient implements AutoCloseable {
    static final String TYPE_URL = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    final ManagedChannel channel;

    SdsClient(Path socket) {
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(group)
                .usePlaintext()
                .build();
    }

    /** FetchSecrets for these names (blocking, 5 s deadline); throws StatusRuntimeException on error. */
    DiscoveryResponse fetch(String... names) {
        return SecretDiscoveryServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS).fetchSecrets(request(names).build());
    }

    /** Opens StreamSecrets; nothing is sent yet. */
    Stream stream() {
        Recorder<DiscoveryResponse> responses = new Recorder<>();
        StreamObserver<DiscoveryRequest> requests = SecretDiscoveryServiceGrpc.newStub(channel).streamSecrets(responses);
        return new Stream(requests, responses);
    }

    static DiscoveryRequest.Builder request(String... names) {
        return DiscoveryRequest.newBuilder().setTypeUrl(TYPE_URL).addAllResourceNames(List.of(names));
    }

    /** The secrets of a response, in order, checking each resource's type. */
    static List<Secret> secrets(DiscoveryResponse response) {
        List<Secret> out = new ArrayList<>();
        response.getResourcesList().forEach(any -> {
            assertThat(any.getTypeUrl()).isEqualTo(TYPE_URL);
            try {
                out.add(any.unpack(Secret.class));
            } catch (InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            }
        });
        return out;
    }

    static List<String> names(DiscoveryResponse response) {
        return secrets(response).stream().map(Secret::getName).toList();
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    /** One StreamSecrets call, driven as Envoy drives it. */
    static final class Stream {
        final StreamObserver<DiscoveryRequest> requests;
        final Recorder<DiscoveryResponse> responses;

        Stream(StreamObserver<DiscoveryRequest> requests, Recorder<DiscoveryResponse> responses) {
            this.requests = requests;
            this.responses = responses;
        }

        /** The initial request: names, no version, no nonce. */
        Stream subscribe(String... names) {
            requests.onNext(request(names).build());
            return this;
        }

        /** Accepts {@code response} and keeps (or changes to) {@code names}. */
        void ack(DiscoveryResponse response, String... names) {
            requests.onNext(request(names).setVersionInfo(response.getVersionInfo()).setResponseNonce(response.getNonce()).build());
        }

        /** Rejects {@code response}: the version stays {@code accepted} (the last good one, "" if none). */
        void nack(DiscoveryResponse response, String accepted, String message, String... names) {
            requests.onNext(request(names).setVersionInfo(accepted).setResponseNonce(response.getNonce())
                    .setErrorDetail(com.google.rpc.Status.newBuilder().setCode(Status.Code.INVALID_ARGUMENT.value()).setMessage(message))
                    .build());
        }

        DiscoveryResponse next() throws InterruptedException {
            return responses.next();
        }
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

        Status awaitStatus() throws Exception {
            return status.get(5, TimeUnit.SECONDS);
        }

        /** Asserts the call ended with {@code code}, a description starting with {@code description}, and no message. */
        void assertFailedWithoutMessages(Status.Code code, String description) throws Exception {
            Status s = awaitStatus();
            assertThat(s.getCode()).as("status of " + s).isEqualTo(code);
            if (description != null) {
                assertThat(s.getDescription()).startsWith(description);
            }
            assertThat(messages).as("messages before the error").isEmpty();
        }

        void cancel() {
            call.cancel("test cancels", null);
        }
    }
}
