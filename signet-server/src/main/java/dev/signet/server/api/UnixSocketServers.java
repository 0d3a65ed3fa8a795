package dev.signet.server.api;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/** A gRPC server on a Unix domain socket with a given file mode (Linux epoll). */
public final class UnixSocketServers {
    private UnixSocketServers() {}

    /** A running server and its event loop; closing stops both and removes the socket file. */
    public record Handle(Server server, EventLoopGroup group, Path path) implements AutoCloseable {
        @Override
        public void close() {
            server.shutdownNow();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    /**
     * Starts a plaintext gRPC server at {@code path} (a stale socket file is replaced; the parent directory is
     * created 0755 if missing) and sets the socket's mode, e.g. {@code rwxrwx---}.
     */
    public static Handle start(Path path, String mode, int maxInboundBytes, BindableService... services) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) {
            Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        }
        Files.deleteIfExists(path);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        NettyServerBuilder b = NettyServerBuilder.forAddress(new DomainSocketAddress(path.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(group)
                .workerEventLoopGroup(group)
                .maxInboundMessageSize(maxInboundBytes);
        for (BindableService s : services) {
            b.addService(ServerInterceptors.intercept(s));
        }
        Server server;
        try {
            server = b.build().start();
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("cannot listen on " + path + ": " + e.getMessage(), e);
        }
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
        return new Handle(server, group, path);
    }
}
