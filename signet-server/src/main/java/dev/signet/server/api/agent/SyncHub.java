package dev.signet.server.api.agent;

import dev.signet.core.registration.EntryProtos;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.bundle.BundleProtos;
import dev.signet.proto.agent.v1.SyncAuthorizedResponse;
import dev.signet.proto.common.v1.Bundle;
import dev.signet.server.authorization.EntryCache;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.store.AgentRecord;
import dev.signet.server.store.AgentStore;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes each connected agent its authorized entries and the trust bundle: the full state when it connects
 * and again whenever the entry snapshot, the agent's record or the bundle changes (only when what that agent
 * would receive differs from what it last got). Recomputation runs on one thread, so updates to a stream are
 * ordered. A banned or evicted agent's stream is closed with PERMISSION_DENIED.
 */
public final class SyncHub implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SyncHub.class);

    private final EntryCache entries;
    private final AgentStore agents;
    private final CertificateAuthority ca;
    private final Map<ServerCallStreamObserver<SyncAuthorizedResponse>, Subscriber> subscribers = new ConcurrentHashMap<>();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "signet-sync-hub");
        t.setDaemon(true);
        return t;
    });

    public SyncHub(EntryCache entries, AgentStore agents, CertificateAuthority ca) {
        this.entries = entries;
        this.agents = agents;
        this.ca = ca;
    }

    public void subscribe(SpiffeId agentId, ServerCallStreamObserver<SyncAuthorizedResponse> stream) {
        Subscriber s = new Subscriber(agentId, stream);
        subscribers.put(stream, s);
        stream.setOnCancelHandler(() -> subscribers.remove(stream));
        executor.execute(() -> push(s, currentBundle()));
    }

    /** Something changed (entries, agents, or the bundle's X.509 or JWT authorities): push what differs. */
    public void changed() {
        executor.execute(() -> {
            if (subscribers.isEmpty()) {
                return;
            }
            Bundle bundle = currentBundle();
            subscribers.values().forEach(s -> push(s, bundle));
        });
    }

    /** The bundle for one round of pushes (read once, not once per agent); null if it cannot be read. */
    private Bundle currentBundle() {
        try {
            return bundleProto();
        } catch (RuntimeException e) {
            log.warn("cannot read the trust bundle: {}", e.toString());
            return null;
        }
    }

    /** The trust bundle as sent to agents: X.509 and JWT authorities, sequence and refresh hint. */
    public Bundle bundleProto() {
        return BundleProtos.toProto(ca.bundle());
    }

    public int connectedCount() {
        return subscribers.size();
    }

    private void push(Subscriber s, Bundle bundle) {
        if (!subscribers.containsKey(s.stream)) {
            return;
        }
        try {
            if (bundle == null) {
                throw new IllegalStateException("trust bundle unavailable");
            }
            Optional<AgentRecord> agent = agents.get(s.agentId);
            if (agent.isEmpty() || agent.get().banned()) {
                subscribers.remove(s.stream);
                s.stream.onError(Status.PERMISSION_DENIED
                        .withDescription(agent.isEmpty() ? "agent is not attested (evicted): " + s.agentId : "agent is banned: " + s.agentId)
                        .asRuntimeException());
                return;
            }
            SyncAuthorizedResponse.Builder r = SyncAuthorizedResponse.newBuilder().setBundle(bundle);
            entries.authorizedFor(s.agentId, agent.get().selectors()).forEach(e -> r.addEntries(EntryProtos.toProto(e)));
            SyncAuthorizedResponse msg = r.build();
            if (!msg.equals(s.last)) {
                s.last = msg;
                s.stream.onNext(msg);
            }
        } catch (RuntimeException e) {
            log.warn("sync to agent {} failed: {}", s.agentId, e.toString());
            subscribers.remove(s.stream);
            try {
                s.stream.onError(Status.UNAVAILABLE.withDescription("sync failed").asRuntimeException());
            } catch (RuntimeException ignored) {
                // stream already closed
            }
        }
    }

    @Override
    public void close() {
        for (var s : subscribers.keySet()) {
            try {
                s.onError(Status.UNAVAILABLE.withDescription("server shutting down").asRuntimeException());
            } catch (RuntimeException ignored) {
                // already closed
            }
        }
        subscribers.clear();
        executor.shutdownNow();
    }

    private static final class Subscriber {
        final SpiffeId agentId;
        final ServerCallStreamObserver<SyncAuthorizedResponse> stream;
        SyncAuthorizedResponse last;

        Subscriber(SpiffeId agentId, ServerCallStreamObserver<SyncAuthorizedResponse> stream) {
            this.agentId = agentId;
            this.stream = stream;
        }
    }
}
