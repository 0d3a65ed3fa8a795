package dev.signet.cli.common;

import dev.signet.proto.admin.v1.AdminApiGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A connection to the server's admin API over its Unix socket. {@link #call} turns gRPC failures into
 * {@link CliException}s with one-line messages: an unreachable socket says so and how to point the CLI
 * elsewhere; a refusal carries the server's status description ({@code spiffe_id: ...}).
 */
public final class AdminClient implements AutoCloseable {
    /** How long one admin call may take before the CLI gives up. */
    static final long DEADLINE_SECONDS = 30;
    private static final String HINT = "set --server-socket or " + ServerSocketOption.ENV;

    private final Path socket;
    private final UnixChannels channels;
    private final AdminApiGrpc.AdminApiBlockingStub stub;

    private AdminClient(Path socket, UnixChannels channels) {
        this.socket = socket;
        this.channels = channels;
        this.stub = AdminApiGrpc.newBlockingStub(channels.channel());
    }

    /** Connects to the admin socket; fails at once, with a hint, if the socket file does not exist. */
    public static AdminClient connect(Path socket) {
        if (!Files.exists(socket)) {
            throw new CliException(notRunning(socket));
        }
        return new AdminClient(socket, UnixChannels.open(socket));
    }

    /** Runs one RPC with a deadline. */
    public <T> T call(Function<AdminApiGrpc.AdminApiBlockingStub, T> rpc) {
        try {
            return rpc.apply(stub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS));
        } catch (StatusRuntimeException e) {
            Status status = e.getStatus();
            String unreachable = GrpcErrors.unreachable(status, socket, "the server", HINT);
            if (unreachable != null) {
                throw new CliException(unreachable, e);
            }
            if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
                throw new CliException("the server at " + socket + " did not answer within " + DEADLINE_SECONDS + "s", e);
            }
            throw new CliException(GrpcErrors.describe(status), e);
        }
    }

    static String notRunning(Path socket) {
        return "cannot reach the server at " + socket + ": is it running? (" + HINT + ")";
    }

    @Override
    public void close() {
        channels.close();
    }
}
