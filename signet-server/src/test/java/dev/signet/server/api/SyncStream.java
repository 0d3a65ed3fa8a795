package dev.signet.server.api;

import static org.assertj.core.api.Assertions.fail;

import dev.signet.proto.agent.v1.AgentApiGrpc;
import dev.signet.proto.agent.v1.SyncAuthorizedRequest;
import dev.signet.proto.agent.v1.SyncAuthorizedResponse;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** An open SyncAuthorized stream whose messages and end status a test waits for with deadlines. */
final class SyncStream implements ClientResponseObserver<SyncAuthorizedRequest, SyncAuthorizedResponse>, AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(10);

    private final BlockingQueue<SyncAuthorizedResponse> messages = new LinkedBlockingQueue<>();
    private final CompletableFuture<Status> end = new CompletableFuture<>();
    private volatile ClientCallStreamObserver<SyncAuthorizedRequest> call;

    static SyncStream open(AgentApiGrpc.AgentApiStub stub) {
        SyncStream s = new SyncStream();
        stub.syncAuthorized(SyncAuthorizedRequest.getDefaultInstance(), s);
        return s;
    }

    /** The next pushed message, waiting up to {@link #WAIT}. */
    SyncAuthorizedResponse next() throws InterruptedException {
        SyncAuthorizedResponse m = messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (m == null) {
            return fail("no SyncAuthorized message within " + WAIT + (end.isDone() ? "; stream ended with " + end.join() : ""));
        }
        return m;
    }

    /** Messages received but not yet taken. */
    int pending() {
        return messages.size();
    }

    /** The status the stream ended with, waiting up to {@link #WAIT}. */
    Status awaitEnd() throws InterruptedException, ExecutionException {
        try {
            return end.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return fail("stream still open after " + WAIT);
        }
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<SyncAuthorizedRequest> requestStream) {
        this.call = requestStream;
    }

    @Override
    public void onNext(SyncAuthorizedResponse value) {
        messages.add(value);
    }

    @Override
    public void onError(Throwable t) {
        end.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        end.complete(Status.OK);
    }

    @Override
    public void close() {
        if (call != null && !end.isDone()) {
            call.cancel("test finished", null);
        }
    }
}
