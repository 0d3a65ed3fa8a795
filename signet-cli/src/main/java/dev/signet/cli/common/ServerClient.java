package dev.signet.cli.common;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A connection to one of the server's APIs on its admin Unix socket (admin, catalog, intentions). {@link #call}
 * turns gRPC failures into {@link CliException}s with one-line messages: an unreachable socket says so and how
 * to point the CLI elsewhere; a refusal carries the server's status description ({@code spiffe_id: ...}).
 *
 * @param <S> the blocking stub type
 */
public class ServerClient<S extends AbstractStub<S>> implements AutoCloseable {
    /** How long one call may take before the CLI gives up. */
    static final long DEADLINE_SECONDS = 30;
    private static final String HINT = "set --server-socket or " + ServerSocketOption.ENV;

    private final Path socket;
    private final UnixChannels channels;
    private final S stub;

    protected ServerClient(Path socket, Function<Channel, S> stubs) {
        if (!Files.exists(socket)) {
            throw new CliException(notRunning(socket));
        }
        this.socket = socket;
        this.channels = UnixChannels.open(socket);
        this.stub = stubs.apply(channels.channel());
    }

    /** Connects to the admin socket; fails at once, with a hint, if the socket file does not exist. */
    public static <S extends AbstractStub<S>> ServerClient<S> connect(Path socket, Function<Channel, S> stubs) {
        return new ServerClient<>(socket, stubs);
    }

    /** Runs one RPC with a deadline. */
    public <T> T call(Function<S, T> rpc) {
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
