package dev.signet.server.api.agent;

import dev.signet.core.spiffeid.ReservedIds;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Certificates;
import dev.signet.proto.agent.v1.AgentApiGrpc;
import dev.signet.server.store.AgentRecord;
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
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Authenticates agents on every agent-API call except AttestAgent (SPIRE §4.5). The TLS layer has already
 * verified the client certificate against the bundle; here the agent's record decides: unknown (evicted) →
 * PERMISSION_DENIED "agent is not attested", banned → "agent is banned", serial equal to the current one →
 * allowed, equal to the newly issued one → allowed and promoted, anything else → "agent SVID is not active".
 *
 * <p>Records come from an {@link AgentRecordCache} (no database read, no lock on the common path; writes through this
 * server invalidate it synchronously, other servers' through the change feed, and nothing cached is trusted past
 * its bound). Only an allow on the current serial is decided from the cache; denials other than a ban (which is
 * final) and promotions are decided on a record read from the store, a promotion under a lock of its own agent.
 */
public final class AgentAuthenticator implements ServerInterceptor {
    /** The authenticated agent, for service methods. */
    public static final Context.Key<AgentRecord> AGENT = Context.key("signet-agent");
    /** The authenticated agent's remote address, as the transport saw it. */
    public static final Context.Key<java.net.SocketAddress> REMOTE_ADDRESS = Context.key("signet-agent-address");

    private final TrustDomain trustDomain;
    private final AgentRecordCache agents;
    private final Clock clock;
    private final ConcurrentHashMap<SpiffeId, PromotionLock> promotions = new ConcurrentHashMap<>();

    /**
     * @param agents the server's agent-record cache; every write to agent records made by this server must go through
     *               it or invalidate it, and the server's change feed must call {@link AgentRecordCache#invalidateAll}
     */
    public AgentAuthenticator(TrustDomain trustDomain, AgentRecordCache agents, Clock clock) {
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
            // RenewAgent writes the record it is given (a read-modify-write): authorize it on the store's copy
            boolean fresh = call.getMethodDescriptor().getFullMethodName().equals(AgentApiGrpc.getRenewAgentMethod().getFullMethodName());
            AgentRecord agent = authenticate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION), fresh);
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

    AgentRecord authenticate(SSLSession session, boolean fresh) throws Denied {
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
        return authorize(id.get(), leaf.getSerialNumber().toString(16), fresh);
    }

    /**
     * The decision for agent {@code id} presenting the SVID with serial {@code serial} (hex). The common case — the
     * current SVID of an agent that is neither banned nor evicted — is answered from the cache without a lock; a
     * would-be denial that the cache could have got wrong (the record changed on another server since it was cached)
     * is re-checked against the store first, and a promotion reads and writes the store under that agent's own lock.
     * With {@code fresh} the cache is bypassed: for calls that write the record they are handed.
     */
    AgentRecord authorize(SpiffeId id, String serial, boolean fresh) throws Denied {
        AgentRecord a;
        if (!fresh) {
            a = agents.cached(id).orElse(null);
            if (a != null && a.banned()) {
                // final in the store (AgentStore.update refuses to lift a ban): no need to re-read
                throw banned(id);
            }
            if (a != null && serial.equals(a.certSerial())) {
                return a;
            }
        }
        // not attested, a new SVID, or an SVID that is not active as far as the cache knows: decide on the store's copy
        a = agents.refresh(id).orElse(null);
        check(id, a);
        if (serial.equals(a.certSerial())) {
            return a;
        }
        if (serial.equals(a.newCertSerial())) {
            return promote(id, serial);
        }
        throw notActive(id);
    }

    /** Promotes the agent's new SVID to current, serialised per agent, on a record read from the store under the lock. */
    private AgentRecord promote(SpiffeId id, String serial) throws Denied {
        PromotionLock lock = promotions.compute(id, (k, l) -> {
            PromotionLock x = l == null ? new PromotionLock() : l;
            x.users++;
            return x;
        });
        try {
            synchronized (lock) {
                AgentRecord a = agents.get(id).orElse(null);
                check(id, a);
                if (serial.equals(a.certSerial())) {
                    return a; // promoted meanwhile by a concurrent call
                }
                if (!serial.equals(a.newCertSerial())) {
                    throw notActive(id);
                }
                AgentRecord promoted = a.withCurrentCert(a.newCertSerial(), a.newCertNotAfter()).seenAt(clock.instant());
                try {
                    agents.update(promoted);
                } catch (StoreException.Conflict | StoreException.NotFound e) {
                    // banned or evicted (possibly through another server) since the read above
                    throw new Denied(Status.PERMISSION_DENIED.withDescription("agent is no longer authorized: " + e.getMessage()));
                }
                return promoted;
            }
        } finally {
            promotions.compute(id, (k, l) -> --l.users == 0 ? null : l);
        }
    }

    private static void check(SpiffeId id, AgentRecord a) throws Denied {
        if (a == null) {
            throw new Denied(Status.PERMISSION_DENIED.withDescription("agent is not attested (it may have been evicted): " + id));
        }
        if (a.banned()) {
            throw banned(id);
        }
    }

    private static Denied banned(SpiffeId id) {
        return new Denied(Status.PERMISSION_DENIED.withDescription("agent is banned: " + id));
    }

    private static Denied notActive(SpiffeId id) {
        return new Denied(Status.PERMISSION_DENIED.withDescription("agent SVID is not active (superseded by a newer one): " + id));
    }

    /** Agents with a promotion in progress; the count lets the last user remove the entry (bounded memory). */
    private static final class PromotionLock {
        int users; // guarded by the map's compute
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
