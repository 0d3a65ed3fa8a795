package dev.signet.cli.service;

import dev.signet.cli.common.CliException;
import dev.signet.cli.common.GrpcErrors;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.cli.common.UnixChannels;
import dev.signet.proto.catalog.v1.CatalogApiGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** The catalog API on the server's admin socket; failures become one-line {@link CliException}s. */
final class CatalogClient implements AutoCloseable {
    private static final long DEADLINE_SECONDS = 30;
    private static final String HINT = "set --server-socket or " + ServerSocketOption.ENV;

    private final Path socket;
    private final UnixChannels channels;
    private final CatalogApiGrpc.CatalogApiBlockingStub stub;

    private CatalogClient(Path socket, UnixChannels channels) {
        this.socket = socket;
        this.channels = channels;
        this.stub = CatalogApiGrpc.newBlockingStub(channels.channel());
    }

    static CatalogClient connect(Path socket) {
        if (!Files.exists(socket)) {
            throw new CliException("cannot reach the server at " + socket + ": is it running? (" + HINT + ")");
        }
        return new CatalogClient(socket, UnixChannels.open(socket));
    }

    <T> T call(Function<CatalogApiGrpc.CatalogApiBlockingStub, T> rpc) {
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

    @Override
    public void close() {
        channels.close();
    }
}
