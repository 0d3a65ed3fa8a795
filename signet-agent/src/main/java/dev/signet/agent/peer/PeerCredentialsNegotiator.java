package dev.signet.agent.peer;

import io.grpc.Attributes;
import io.grpc.ServerCredentials;
import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.ProtocolNegotiationEvent;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A grpc-netty server protocol negotiator: plaintext HTTP/2, plus the caller's {@link Peer} in the
 * transport attributes under {@link PeerContext#TRANSPORT_ATTR}. There is no public grpc-java API for
 * peer credentials (grpc-java issue 2646); this uses the same {@code @Internal} hook grpc's TLS uses to
 * publish the SSL session, so re-check it on every grpc upgrade.
 *
 * <p>Per connection: in {@code handlerAdded} (right after accept, before any byte is read) the tracker
 * reads SO_PEERCRED and takes the pidfd; the plaintext handler is added after this one; when the
 * {@link ProtocolNegotiationEvent} passes, the peer is added to its attributes and this handler removes
 * itself. The peer is closed (its pidfd released) when the channel closes. A connection that sends no
 * byte within the first-byte timeout is closed, so silent clients do not hold descriptors.
 */
public final class PeerCredentialsNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
    private final PeerTracker tracker;
    private final long firstByteTimeoutNanos;
    private final InternalProtocolNegotiator.ProtocolNegotiator plaintext = InternalProtocolNegotiators.serverPlaintext();

    /** @param firstByteTimeout a connection that sends nothing for this long after accept is closed */
    public PeerCredentialsNegotiator(PeerTracker tracker, Duration firstByteTimeout) {
        this.tracker = Objects.requireNonNull(tracker, "tracker");
        this.firstByteTimeoutNanos = firstByteTimeout.toNanos();
        if (firstByteTimeoutNanos <= 0) {
            throw new IllegalArgumentException("first-byte timeout must be positive");
        }
    }

    /** Server credentials for {@code NettyServerBuilder.forAddress(address, credentials)}. */
    public static ServerCredentials serverCredentials(PeerTracker tracker, Duration firstByteTimeout) {
        return InternalNettyServerCredentials.create(new PeerCredentialsNegotiator(tracker, firstByteTimeout));
    }

    @Override
    public AsciiString scheme() {
        return plaintext.scheme();
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        return new CaptureHandler(tracker, firstByteTimeoutNanos, plaintext.newHandler(grpcHandler));
    }

    @Override
    public void close() {
        plaintext.close();
    }

    private static final class CaptureHandler extends ChannelInboundHandlerAdapter {
        private final PeerTracker tracker;
        private final long firstByteTimeoutNanos;
        private final ChannelHandler next;
        private Peer peer;

        CaptureHandler(PeerTracker tracker, long firstByteTimeoutNanos, ChannelHandler next) {
            this.tracker = tracker;
            this.firstByteTimeoutNanos = firstByteTimeoutNanos;
            this.next = next;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            Peer captured = tracker.track(ctx.channel());
            peer = captured;
            ctx.channel().closeFuture().addListener(f -> captured.close());
            ctx.pipeline().addFirst(new FirstByteDeadline(firstByteTimeoutNanos));
            ctx.pipeline().addAfter(ctx.name(), null, next);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof ProtocolNegotiationEvent negotiation) {
                Attributes attributes = InternalProtocolNegotiationEvent.getAttributes(negotiation).toBuilder()
                        .set(PeerContext.TRANSPORT_ATTR, peer)
                        .build();
                ctx.fireUserEventTriggered(InternalProtocolNegotiationEvent.withAttributes(negotiation, attributes));
                ctx.pipeline().remove(this);
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }
    }

    /** Closes the connection unless its first bytes arrive in time; removes itself on the first read. */
    private static final class FirstByteDeadline extends ChannelInboundHandlerAdapter {
        private final long timeoutNanos;
        private ScheduledFuture<?> deadline;

        FirstByteDeadline(long timeoutNanos) {
            this.timeoutNanos = timeoutNanos;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            deadline = ctx.executor().schedule(() -> {
                ctx.close();
            }, timeoutNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(msg);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            deadline.cancel(false);
        }
    }
}
