package dev.signet.cli.testing;

import dev.signet.proto.workload.JWTBundlesRequest;
import dev.signet.proto.workload.JWTBundlesResponse;
import dev.signet.proto.workload.JWTSVIDRequest;
import dev.signet.proto.workload.JWTSVIDResponse;
import dev.signet.proto.workload.SpiffeWorkloadAPIGrpc;
import dev.signet.proto.workload.ValidateJWTSVIDRequest;
import dev.signet.proto.workload.ValidateJWTSVIDResponse;
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
 * stream open (as a real agent does) or ends it with the configured status. The JWT RPCs answer with the
 * configured response or status and record their requests. The interceptor records the
 * {@code workload.spiffe.io} header of each call.
 */
public final class FakeWorkloadApi extends SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase {
    public static final Metadata.Key<String> SECURITY_HEADER =
            Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

    private final List<X509SVIDResponse> updates = new ArrayList<>();
    private final List<String> securityHeaders = new ArrayList<>();
    private Status endWith;
    private final List<Object> jwtRequests = new ArrayList<>();
    private Object jwtAnswer;
    private JWTBundlesResponse jwtBundles;

    public synchronized void addUpdate(X509SVIDResponse r) {
        updates.add(r);
    }

    /** After the updates, end the stream with {@code status} (null: keep it open). */
    public synchronized void endWith(Status status) {
        endWith = status;
    }

    /** What FetchJWTSVID or ValidateJWTSVID answers: a response message, or a {@link Status} to fail with. */
    public synchronized void answerJwt(Object responseOrStatus) {
        jwtAnswer = responseOrStatus;
    }

    /** What FetchJWTBundles sends before keeping the stream open (null: nothing). */
    public synchronized void jwtBundles(JWTBundlesResponse r) {
        jwtBundles = r;
    }

    /** Every JWTSVIDRequest and ValidateJWTSVIDRequest received. */
    public synchronized List<Object> jwtRequests() {
        return List.copyOf(jwtRequests);
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
    public void fetchJWTSVID(JWTSVIDRequest request, StreamObserver<JWTSVIDResponse> out) {
        answer(request, out, JWTSVIDResponse.class);
    }

    @Override
    public void validateJWTSVID(ValidateJWTSVIDRequest request, StreamObserver<ValidateJWTSVIDResponse> out) {
        answer(request, out, ValidateJWTSVIDResponse.class);
    }

    @Override
    public void fetchJWTBundles(JWTBundlesRequest request, StreamObserver<JWTBundlesResponse> out) {
        JWTBundlesResponse r;
        synchronized (this) {
            r = jwtBundles;
        }
        if (r != null) {
            out.onNext(r);
        }
    }

    private <R> void answer(Object request, StreamObserver<R> out, Class<R> type) {
        Object a;
        synchronized (this) {
            jwtRequests.add(request);
            a = jwtAnswer;
        }
        if (a instanceof Status s) {
            out.onError(s.asRuntimeException());
        } else if (type.isInstance(a)) {
            out.onNext(type.cast(a));
            out.onCompleted();
        } else {
            out.onError(Status.UNIMPLEMENTED.withDescription("no answer configured").asRuntimeException());
        }
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
