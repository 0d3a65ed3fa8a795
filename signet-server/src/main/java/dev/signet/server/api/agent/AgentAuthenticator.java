package dev.signet.server.api.agent;

import dev.signet.core.spiffeid.ReservedIds;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Certificates;
import dev.signet.proto.agent.v1.AgentApiGrpc;
import dev.signet.server.store.AgentRecord;
import dev.signet.server.store.AgentStore;
import dev.signet.server.store.StoreException;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Authenticates agents on every agent-API call except AttestAgent (SPIRE §4.5). The TLS layer has already
 * verified the client certificate against the bundle; here the agent's record decides: unknown (evicted) →
 * PERMISSION_DENIED "agent is not attested", banned → "agent is banned", serial equal to the current one →
 * allowed, equal to the newly issued one → allowed and promoted, anything else → "agent SVID is not active".
 */
public final class AgentAuthenticator implements ServerInterceptor {
    /** The authenticated agent, for service methods. */
    public static final Context.Key<AgentRecord> AGENT = Context.key("signet-agent");
    /** The authenticated agent's remote address, as the transport saw it. */
    public static final Context.Key<java.net.SocketAddress> REMOTE_ADDRESS = Context.key("signet-agent-address");

    private final TrustDomain trustDomain;
    private final AgentStore agents;
    private final Clock clock;

    public AgentAuthenticator(TrustDomain trustDomain, AgentStore agents, Clock clock) {
        this.trustDomain = trustDomain;
        this.agents = agents;
        this.clock = clock;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (call.getMethodDescriptor().getFullMethodName().equals(AgentApiGrpc.getAttestAgentMethod().getFullMethodName())) {
            return Contexts.interceptCall(Context.current().withValue(REMOTE_ADDRESS,
                    call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)), call, headers, next);
        }
        Status denied;
        try {
            AgentRecord agent = authenticate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
            return Contexts.interceptCall(Context.current().withValue(AGENT, agent)
                    .withValue(REMOTE_ADDRESS, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)), call, headers, next);
        } catch (Denied d) {
            denied = d.status;
        } catch (StoreException e) {
            // the agent record could not be read or written: the agent retries (another server, or later)
            denied = Status.UNAVAILABLE.withDescription("datastore: " + e.getMessage());
        }
        call.close(denied, new Metadata());
        return new ServerCall.Listener<>() {};
    }

    AgentRecord authenticate(SSLSession session) throws Denied {
        if (session == null) {
            throw new Denied(Status.UNAUTHENTICATED.withDescription("TLS session missing"));
        }
        X509Certificate leaf;
        try {
            Certificate[] peer = session.getPeerCertificates();
            leaf = (X509Certificate) peer[0];
        } catch (SSLPeerUnverifiedException e) {
            throw new Denied(Status.UNAUTHENTICATED.withDescription("agent SVID required: attest first"));
        }
        Optional<SpiffeId> id = Certificates.spiffeId(leaf);
        if (id.isEmpty() || !id.get().isMemberOf(trustDomain) || !ReservedIds.isAgent(id.get())) {
            throw new Denied(Status.PERMISSION_DENIED.withDescription("caller is not an agent of trust domain " + trustDomain));
        }
        synchronized (this) {
            AgentRecord a = agents.get(id.get()).orElse(null);
            if (a == null) {
                throw new Denied(Status.PERMISSION_DENIED.withDescription("agent is not attested (it may have been evicted): " + id.get()));
            }
            if (a.banned()) {
                throw new Denied(Status.PERMISSION_DENIED.withDescription("agent is banned: " + id.get()));
            }
            String serial = leaf.getSerialNumber().toString(16);
            if (serial.equals(a.certSerial())) {
                return a;
            }
            if (serial.equals(a.newCertSerial())) {
                AgentRecord promoted = a.withCurrentCert(a.newCertSerial(), a.newCertNotAfter()).seenAt(clock.instant());
                try {
                    agents.update(promoted);
                } catch (StoreException.Conflict | StoreException.NotFound e) {
                    // banned or evicted (possibly through another server) since the read above
                    throw new Denied(Status.PERMISSION_DENIED.withDescription("agent is no longer authorized: " + e.getMessage()));
                }
                return promoted;
            }
            throw new Denied(Status.PERMISSION_DENIED.withDescription("agent SVID is not active (superseded by a newer one): " + id.get()));
        }
    }

    static final class Denied extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Status status;

        Denied(Status status) {
            super(status.getDescription(), null, false, false);
            this.status = status;
        }
    }
}
