package dev.signet.agent.endpoints.workload;

import dev.signet.agent.peer.Peer;
import dev.signet.agent.peer.PeerContext;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Iterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rejects every Workload API call whose {@code workload.spiffe.io} metadata is not exactly one value
 * {@code true} (case-sensitive) with INVALID_ARGUMENT "security header missing from request"
 * (spiffe-rules.md E-3, E-4; SPIRE middleware). Installed on the Workload API service only (not on
 * reflection), outermost, so it runs before anything else — in particular before attestation.
 */
final class SecurityHeaderInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> HEADER = Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);
    static final String MISSING = "security header missing from request";

    private static final Logger log = LoggerFactory.getLogger(SecurityHeaderInterceptor.class);

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        if (valid(headers)) {
            return next.startCall(call, headers);
        }
        Peer peer = call.getAttributes() == null ? null : call.getAttributes().get(PeerContext.TRANSPORT_ATTR);
        log.warn("{} from pid {}: INVALID_ARGUMENT {}", call.getMethodDescriptor().getBareMethodName(),
                peer == null ? -1 : peer.pid(), MISSING);
        call.close(Status.INVALID_ARGUMENT.withDescription(MISSING), new Metadata());
        return new ServerCall.Listener<>() {};
    }

    static boolean valid(Metadata headers) {
        Iterable<String> values = headers.getAll(HEADER);
        if (values == null) {
            return false;
        }
        Iterator<String> it = values.iterator();
        return it.hasNext() && "true".equals(it.next()) && !it.hasNext();
    }
}
