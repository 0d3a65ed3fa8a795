package dev.signet.agent.peer;

import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Moves the connection's {@link Peer} from the transport attributes (where
 * {@link PeerCredentialsNegotiator} put it) into the gRPC {@link Context} of each call, so handlers read
 * it with {@link #current()}.
 */
public final class PeerContext implements ServerInterceptor {
    /** Transport attribute holding the {@link Peer} of a connection. */
    public static final Attributes.Key<Peer> TRANSPORT_ATTR = Attributes.Key.create("dev.signet.agent.peer");

    private static final Context.Key<Peer> CONTEXT_KEY = Context.key("dev.signet.agent.peer");

    /** The peer of the current call, or null if the transport did not capture one. */
    public static Peer current() {
        return CONTEXT_KEY.get();
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        Peer peer = call.getAttributes().get(TRANSPORT_ATTR);
        return Contexts.interceptCall(Context.current().withValue(CONTEXT_KEY, peer), call, headers, next);
    }
}
