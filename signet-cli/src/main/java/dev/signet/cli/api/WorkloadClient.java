package dev.signet.cli.api;

import dev.signet.cli.common.CliException;
import dev.signet.cli.common.GrpcErrors;
import dev.signet.cli.common.UnixChannels;
import dev.signet.proto.workload.JWTBundlesRequest;
import dev.signet.proto.workload.JWTBundlesResponse;
import dev.signet.proto.workload.JWTSVIDRequest;
import dev.signet.proto.workload.JWTSVIDResponse;
import dev.signet.proto.workload.SpiffeWorkloadAPIGrpc;
import dev.signet.proto.workload.ValidateJWTSVIDRequest;
import dev.signet.proto.workload.ValidateJWTSVIDResponse;
import dev.signet.proto.workload.X509SVIDRequest;
import dev.signet.proto.workload.X509SVIDResponse;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A Workload API client over the agent's Unix socket. Every call carries the
 * {@code workload.spiffe.io: true} security header the spec requires (servers answer INVALID_ARGUMENT
 * without it).
 */
final class WorkloadClient implements AutoCloseable {
    static final Metadata.Key<String> SECURITY_HEADER = Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);
    private static final String HINT = "set --socket or " + WorkloadSocket.ENV;

    private final Path socket;
    private final UnixChannels channels;
    private final SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIStub stub;
    private final SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIBlockingStub blockingStub;

    private WorkloadClient(Path socket, UnixChannels channels) {
        this.socket = socket;
        this.channels = channels;
        Metadata md = new Metadata();
        md.put(SECURITY_HEADER, "true");
        this.stub = SpiffeWorkloadAPIGrpc.newStub(channels.channel())
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
        this.blockingStub = SpiffeWorkloadAPIGrpc.newBlockingStub(channels.channel())
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    }

    /** Connects to the Workload API; fails at once, with a hint, if the socket file does not exist. */
    static WorkloadClient connect(Path socket) {
        if (!Files.exists(socket)) {
            throw new CliException(notRunning(socket));
        }
        return new WorkloadClient(socket, UnixChannels.open(socket));
    }

    /** An open FetchX509SVID stream. */
    interface X509Stream {
        void cancel();
    }

    /** What an open stream reports; called on a gRPC thread. */
    interface X509Listener {
        void onUpdate(X509SVIDResponse update);

        /** The stream ended: {@code error} is the failure, already translated for the user. */
        void onEnd(CliException error);
    }

    /**
     * Opens FetchX509SVID. {@code deadline}, if not null, bounds the whole stream. A listener that throws
     * from {@code onUpdate} ends the stream with that failure.
     */
    X509Stream fetchX509(Duration deadline, X509Listener listener) {
        var s = deadline == null ? stub : stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
        Observer observer = new Observer(listener, deadline);
        s.fetchX509SVID(X509SVIDRequest.getDefaultInstance(), observer);
        return observer::cancel;
    }

    /**
     * FetchJWTSVID: one token per identity of this process for {@code audience}, or only for {@code spiffeId}
     * if not null.
     */
    JWTSVIDResponse fetchJwt(List<String> audience, String spiffeId, Duration deadline) {
        JWTSVIDRequest request = JWTSVIDRequest.newBuilder().addAllAudience(audience).setSpiffeId(spiffeId == null ? "" : spiffeId).build();
        try {
            return blocking(deadline).fetchJWTSVID(request);
        } catch (StatusRuntimeException e) {
            if (spiffeId != null && e.getStatus().getCode() == Status.Code.PERMISSION_DENIED) {
                throw new CliException("no identity " + spiffeId + " issued for this process (PERMISSION_DENIED)", e);
            }
            throw failure(e, deadline, "a JWT-SVID");
        }
    }

    /** ValidateJWTSVID; a token the agent refuses is a {@link CliException} saying why. */
    ValidateJWTSVIDResponse validateJwt(String audience, String token, Duration deadline) {
        ValidateJWTSVIDRequest request = ValidateJWTSVIDRequest.newBuilder().setAudience(audience).setSvid(token).build();
        try {
            return blocking(deadline).validateJWTSVID(request);
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
                throw new CliException("the JWT-SVID is not valid: " + GrpcErrors.describe(e.getStatus()), e);
            }
            throw failure(e, deadline, "the validation");
        }
    }

    /** The first FetchJWTBundles message; the stream is closed afterwards. */
    JWTBundlesResponse fetchJwtBundles(Duration deadline) {
        Context.CancellableContext ctx = Context.current().withCancellation();
        try {
            return ctx.call(() -> {
                Iterator<JWTBundlesResponse> it = blocking(deadline).fetchJWTBundles(JWTBundlesRequest.getDefaultInstance());
                if (!it.hasNext()) {
                    throw new CliException("the Workload API at " + socket + " closed the stream without sending bundles");
                }
                return it.next();
            });
        } catch (StatusRuntimeException e) {
            throw failure(e, deadline, "JWT bundles");
        } catch (CliException e) {
            throw e;
        } catch (Exception e) {
            throw new CliException(String.valueOf(e.getMessage()), e);
        } finally {
            ctx.cancel(null);
        }
    }

    private SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIBlockingStub blocking(Duration deadline) {
        return blockingStub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The user's view of a stream failure. */
    CliException failure(Throwable t, Duration deadline) {
        return failure(t, deadline, "an X509-SVID");
    }

    /** The user's view of a failed call that was waiting for {@code what}. */
    CliException failure(Throwable t, Duration deadline, String what) {
        if (t instanceof CliException c) {
            return c;
        }
        Status status = Status.fromThrowable(t);
        String unreachable = GrpcErrors.unreachable(status, socket, "the Workload API", HINT);
        if (unreachable != null) {
            return new CliException(unreachable, t);
        }
        return switch (status.getCode()) {
            case PERMISSION_DENIED -> new CliException("no identity issued for this process (PERMISSION_DENIED)", t);
            case DEADLINE_EXCEEDED -> new CliException("timed out after "
                    + (deadline == null ? "the deadline" : dev.signet.core.config.Durations.format(deadline))
                    + " waiting for " + what + " from " + socket, t);
            default -> new CliException(GrpcErrors.describe(status), t);
        };
    }

    static String notRunning(Path socket) {
        return "cannot reach the Workload API at " + socket + ": is it running? (" + HINT + ")";
    }

    @Override
    public void close() {
        channels.close();
    }

    private final class Observer implements ClientResponseObserver<X509SVIDRequest, X509SVIDResponse> {
        private final X509Listener listener;
        private final Duration deadline;
        private volatile ClientCallStreamObserver<X509SVIDRequest> call;
        private volatile boolean ended;

        Observer(X509Listener listener, Duration deadline) {
            this.listener = listener;
            this.deadline = deadline;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<X509SVIDRequest> requestStream) {
            this.call = requestStream;
        }

        @Override
        public void onNext(X509SVIDResponse value) {
            if (ended) {
                return;
            }
            try {
                listener.onUpdate(value);
            } catch (RuntimeException e) {
                end(e instanceof CliException c ? c : new CliException(String.valueOf(e.getMessage()), e));
                call.cancel("client failed to handle an update", e);
            }
        }

        @Override
        public void onError(Throwable t) {
            if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.CANCELLED && ended) {
                return;
            }
            end(failure(t, deadline));
        }

        @Override
        public void onCompleted() {
            end(new CliException("the Workload API at " + socket + " closed the stream"));
        }

        void cancel() {
            ended = true;
            ClientCallStreamObserver<X509SVIDRequest> c = call;
            if (c != null) {
                c.cancel("client is done", null);
            }
        }

        private synchronized void end(CliException error) {
            if (!ended) {
                ended = true;
                listener.onEnd(error);
            }
        }
    }

    /** Adapts a plain callback to {@link X509Listener} for callers that only want updates. */
    static X509Listener listener(Consumer<X509SVIDResponse> onUpdate, Consumer<CliException> onEnd) {
        return new X509Listener() {
            @Override
            public void onUpdate(X509SVIDResponse update) {
                onUpdate.accept(update);
            }

            @Override
            public void onEnd(CliException error) {
                onEnd.accept(error);
            }
        };
    }
}
