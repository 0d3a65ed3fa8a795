package dev.signet.server.api;

import dev.signet.server.store.StoreException;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where the admin-socket APIs turn outcomes into gRPC statuses: a bad request
 * ({@link IllegalArgumentException}, whose message starts with the field at fault) is INVALID_ARGUMENT, a missing
 * record NOT_FOUND, a duplicate ALREADY_EXISTS, a request the current state forbids FAILED_PRECONDITION, and a
 * datastore failure UNAVAILABLE (logged with its cause; the client sees only a short description).
 */
public final class UnaryCalls {
    private static final Logger log = LoggerFactory.getLogger(UnaryCalls.class);

    private UnaryCalls() {}

    /** The request is valid but the current state forbids it. */
    public static final class FailedPrecondition extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public FailedPrecondition(String message) {
            super(message);
        }
    }

    /** Runs {@code body} and completes {@code out} with its result or the matching status. */
    public static <T> void respond(StreamObserver<T> out, Supplier<T> body) {
        T result;
        try {
            result = body.get();
        } catch (FailedPrecondition e) {
            out.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (StoreException.NotFound e) {
            out.onError(Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (StoreException.AlreadyExists e) {
            out.onError(Status.ALREADY_EXISTS.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (StoreException e) {
            log.error("datastore failure", e);
            out.onError(Status.UNAVAILABLE.withDescription("datastore: " + e.getMessage()).asRuntimeException());
            return;
        }
        out.onNext(result);
        out.onCompleted();
    }
}
