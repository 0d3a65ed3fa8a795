package dev.signet.it.harness;

import dev.signet.proto.workload.SpiffeWorkloadAPIGrpc;
import dev.signet.proto.workload.X509SVIDRequest;
import dev.signet.proto.workload.X509SVIDResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * A bare gRPC client for the Workload API (grpc-netty over the Unix socket, the generated stubs), running in
 * the test JVM (as root). Unlike real clients it can leave out the {@code workload.spiffe.io} security header
 * or send a wrong value.
 */
public final class RawWorkloadClient implements AutoCloseable {
    public static final Metadata.Key<String> SECURITY_HEADER = Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

    private final EventLoopGroup group;
    private final ManagedChannel channel;
    private final Channel intercepted;

    private RawWorkloadClient(EventLoopGroup group, ManagedChannel channel, Channel intercepted) {
        this.group = group;
        this.channel = channel;
        this.intercepted = intercepted;
    }

    /** A client that sends {@code workload.spiffe.io: headerValue} on every call, or no header if it is null. */
    public static RawWorkloadClient open(Path socket, String headerValue) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("raw-workload-client", true),
                EpollIoHandler.newFactory());
        ManagedChannel ch = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(group)
                .usePlaintext()
                .build();
        Channel c = headerValue == null ? ch : ClientInterceptors.intercept(ch, new HeaderInterceptor(headerValue));
        return new RawWorkloadClient(group, ch, c);
    }

    public SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIBlockingStub blocking() {
        return SpiffeWorkloadAPIGrpc.newBlockingStub(intercepted).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    /** Opens FetchX509SVID and returns its first message (or throws the call's StatusRuntimeException). */
    public X509SVIDResponse firstX509() {
        Iterator<X509SVIDResponse> it = blocking().fetchX509SVID(X509SVIDRequest.getDefaultInstance());
        if (!it.hasNext()) {
            throw new AssertionError("FetchX509SVID ended with OK and no message");
        }
        return it.next();
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private static final class HeaderInterceptor implements ClientInterceptor {
        private final String value;

        HeaderInterceptor(String value) {
            this.value = value;
        }

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    headers.put(SECURITY_HEADER, value);
                    super.start(listener, headers);
                }
            };
        }
    }
}
