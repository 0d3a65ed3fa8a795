package dev.signet.cli.testing;

import dev.signet.proto.workload.SpiffeWorkloadAPIGrpc;
import dev.signet.proto.workload.X509SVIDRequest;
import dev.signet.proto.workload.X509SVIDResponse;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;

/**
 * A hand-written Workload API: FetchX509SVID sends the configured updates, then either keeps the
 * stream open (as a real agent does) or ends it with the configured status. The interceptor records
 * the {@code workload.spiffe.io} header of each call.
 */
public final class FakeWorkloadApi extends SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase {
    public static final Metadata.Key<String> SECURITY_HEADER =
            Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

    private final List<X509SVIDResponse> updates = new ArrayList<>();
    private final List<String> securityHeaders = new ArrayList<>();
    private Status endWith;

    public synchronized void addUpdate(X509SVIDResponse r) {
        updates.add(r);
    }

    /** After the updates, end the stream with {@code status} (null: keep it open). */
    public synchronized void endWith(Status status) {
        endWith = status;
    }

    /** The {@code workload.spiffe.io} header value of every call so far (null where absent). */
    public synchronized List<String> securityHeaders() {
        return List.copyOf(securityHeaders);
    }

    public ServerInterceptor headerRecorder() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                synchronized (FakeWorkloadApi.this) {
                    securityHeaders.add(headers.get(SECURITY_HEADER));
                }
                return next.startCall(call, headers);
            }
        };
    }

    @Override
    public void fetchX509SVID(X509SVIDRequest request, StreamObserver<X509SVIDResponse> out) {
        List<X509SVIDResponse> toSend;
        Status end;
        synchronized (this) {
            toSend = List.copyOf(updates);
            end = endWith;
        }
        toSend.forEach(out::onNext);
        if (end != null) {
            out.onError(end.asRuntimeException());
        }
    }
}
