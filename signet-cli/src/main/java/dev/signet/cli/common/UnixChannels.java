package dev.signet.cli.common;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A plaintext gRPC channel over a Unix domain socket (Linux epoll), closed with its event loop. */
public final class UnixChannels implements AutoCloseable {
    private final EventLoopGroup group;
    private final ManagedChannel channel;

    private UnixChannels(EventLoopGroup group, ManagedChannel channel) {
        this.group = group;
        this.channel = channel;
    }

    /** Opens a channel to {@code socket}; it connects lazily, on the first call. */
    public static UnixChannels open(Path socket) {
        if (!Epoll.isAvailable()) {
            throw new CliException("Unix sockets need Linux epoll, which is unavailable here: "
                    + Epoll.unavailabilityCause().getMessage());
        }
        // Daemon threads: a command that returns must never be kept alive by its event loop.
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("signet-cli-io", true),
                EpollIoHandler.newFactory());
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(group)
                .usePlaintext()
                .build();
        return new UnixChannels(group, channel);
    }

    public ManagedChannel channel() {
        return channel;
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
}
