package dev.signet.server.api.agent;

import dev.signet.core.intention.Action;
import dev.signet.core.intention.IntentionProtos;
import dev.signet.core.registration.EntryProtos;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.bundle.BundleProtos;
import dev.signet.proto.agent.v1.SyncAuthorizedResponse;
import dev.signet.proto.common.v1.Bundle;
import dev.signet.server.authorization.EntryCache;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.store.AgentRecord;
import dev.signet.server.store.AgentStore;
import dev.signet.server.store.IntentionStore;
import dev.signet.server.store.TemplateStore;
import dev.signet.core.selector.Selector;
import dev.signet.core.template.IdentityTemplate;
import dev.signet.core.template.TemplateProtos;
import java.util.Set;
import java.util.List;
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
 * ordered; {@link #changed()} calls that arrive while a round is still queued collapse into it. A banned or
 * evicted agent's stream is closed with PERMISSION_DENIED.
 *
 * <p>Agent records: every round needs each connected agent's record (its selectors, whether it is banned).
 * With {@link #cacheAgentRecords} they are kept between rounds and dropped whenever the store's change
 * counter (which rises on every agent change, by any server) has moved, so a round caused by an unrelated
 * change, or the second round of a local write (once directly, once through the change feed), reads one number
 * instead of one record per connected agent.
 */
public final class SyncHub implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SyncHub.class);

    private final EntryCache entries;
    private final AgentStore agents;
    private final CertificateAuthority ca;
    private final IntentionStore intentions;
    private final Action defaultIntentionPolicy;
    private final TemplateStore templates;
    private final Map<ServerCallStreamObserver<SyncAuthorizedResponse>, Subscriber> subscribers = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicBoolean roundQueued = new java.util.concurrent.atomic.AtomicBoolean();
    /** The store's change counter, or null: no agent-record cache. Hub thread only, as are the two below. */
    private volatile java.util.function.LongSupplier changeCounter;
    private final Map<SpiffeId, Optional<AgentRecord>> agentCache = new java.util.HashMap<>();
    private long agentCacheCounter = Long.MIN_VALUE;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "signet-sync-hub");
        t.setDaemon(true);
        return t;
    });

    public SyncHub(EntryCache entries, AgentStore agents, CertificateAuthority ca) {
        this(entries, agents, ca, null, Action.DENY);
    }

    /** A hub that also pushes all intentions (read once per round; null: none) and the default intention policy. */
    public SyncHub(EntryCache entries, AgentStore agents, CertificateAuthority ca, IntentionStore intentions,
            Action defaultIntentionPolicy) {
        this(entries, agents, ca, intentions, defaultIntentionPolicy, null);
    }

    /** A hub that also pushes each agent the identity templates authorized for it (null: none). */
    public SyncHub(EntryCache entries, AgentStore agents, CertificateAuthority ca, IntentionStore intentions,
            Action defaultIntentionPolicy, TemplateStore templates) {
        this.templates = templates;
        this.entries = entries;
        this.agents = agents;
        this.ca = ca;
        this.intentions = intentions;
        this.defaultIntentionPolicy = defaultIntentionPolicy;
    }

    public void subscribe(SpiffeId agentId, ServerCallStreamObserver<SyncAuthorizedResponse> stream) {
        Subscriber s = new Subscriber(agentId, stream);
        subscribers.put(stream, s);
        stream.setOnCancelHandler(() -> subscribers.remove(stream));
        executor.execute(() -> {
            beginAgentRound();
            push(s, currentBundle(), currentIntentions(), currentTemplates());
        });
    }

    /**
     * Keeps agent records between rounds, valid while {@code changeCounter} (the store's change counter, which
     * rises on every agent change committed by any server) stays the same.
     */
    public void cacheAgentRecords(java.util.function.LongSupplier changeCounter) {
        this.changeCounter = changeCounter;
    }

    /** Something changed (entries, agents, or the bundle's X.509 or JWT authorities): push what differs. */
    public void changed() {
        if (!roundQueued.compareAndSet(false, true)) {
            return; // a round that has not started yet will see this change too
        }
        try {
            executor.execute(() -> {
                roundQueued.set(false);
                round();
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            roundQueued.set(false); // closed
        }
    }

    private void round() {
        if (subscribers.isEmpty()) {
            return;
        }
        beginAgentRound();
        Bundle bundle = currentBundle();
        List<dev.signet.proto.intention.v1.Intention> intents = currentIntentions();
        List<IdentityTemplate> tmpls = currentTemplates();
        subscribers.values().forEach(s -> push(s, bundle, intents, tmpls));
    }

    /** Drops the cached agent records if the change counter moved (or cannot be read). Hub thread. */
    private void beginAgentRound() {
        java.util.function.LongSupplier cc = changeCounter;
        if (cc == null) {
            return;
        }
        long c;
        try {
            c = cc.getAsLong();
        } catch (RuntimeException e) {
            agentCache.clear();
            agentCacheCounter = Long.MIN_VALUE;
            return;
        }
        if (c != agentCacheCounter) {
            agentCache.clear();
            agentCacheCounter = c;
        }
    }

    /** The agent's record, from the round's cache when enabled. Hub thread. */
    private Optional<AgentRecord> agentRecord(SpiffeId id) {
        if (changeCounter == null || agentCacheCounter == Long.MIN_VALUE) {
            return agents.get(id);
        }
        Optional<AgentRecord> a = agentCache.get(id);
        if (a == null) {
            a = agents.get(id);
            agentCache.put(id, a);
        }
        return a;
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

    /** All intentions for one round of pushes; null if they cannot be read. */
    private List<dev.signet.proto.intention.v1.Intention> currentIntentions() {
        if (intentions == null) {
            return List.of();
        }
        try {
            return intentions.list().stream().map(IntentionProtos::toProto).toList();
        } catch (RuntimeException e) {
            log.warn("cannot read the intentions: {}", e.toString());
            return null;
        }
    }

    /** All templates for one round of pushes; null if they cannot be read. */
    private List<IdentityTemplate> currentTemplates() {
        if (templates == null) {
            return List.of();
        }
        try {
            return templates.list();
        } catch (RuntimeException e) {
            log.warn("cannot read the identity templates: {}", e.toString());
            return null;
        }
    }

    /**
     * The identity templates an agent with these node selectors may serve (the parent rule of entries: the
     * template's node selectors are among the agent's, or it has none). Reads the store.
     */
    public List<IdentityTemplate> authorizedTemplates(SpiffeId agentId, Set<Selector> agentSelectors) {
        List<IdentityTemplate> all = templates == null ? List.of() : templates.list();
        return all.stream().filter(t -> t.parent().admits(agentId, agentSelectors)).toList();
    }

    /** The trust bundle as sent to agents: X.509 and JWT authorities, sequence and refresh hint. */
    public Bundle bundleProto() {
        return BundleProtos.toProto(ca.bundle());
    }

    public int connectedCount() {
        return subscribers.size();
    }

    private void push(Subscriber s, Bundle bundle, List<dev.signet.proto.intention.v1.Intention> intents,
            List<IdentityTemplate> tmpls) {
        if (!subscribers.containsKey(s.stream)) {
            return;
        }
        try {
            if (bundle == null) {
                throw new IllegalStateException("trust bundle unavailable");
            }
            if (intents == null) {
                throw new IllegalStateException("intentions unavailable");
            }
            if (tmpls == null) {
                throw new IllegalStateException("identity templates unavailable");
            }
            Optional<AgentRecord> agent = agentRecord(s.agentId);
            if (agent.isEmpty() || agent.get().banned()) {
                subscribers.remove(s.stream);
                s.stream.onError(Status.PERMISSION_DENIED
                        .withDescription(agent.isEmpty() ? "agent is not attested (evicted): " + s.agentId : "agent is banned: " + s.agentId)
                        .asRuntimeException());
                return;
            }
            SyncAuthorizedResponse.Builder r = SyncAuthorizedResponse.newBuilder().setBundle(bundle)
                    .addAllIntentions(intents).setDefaultIntentionPolicy(defaultIntentionPolicy.text());
            entries.authorizedFor(s.agentId, agent.get().selectors()).forEach(e -> r.addEntries(EntryProtos.toProto(e)));
            tmpls.stream().filter(t -> t.parent().admits(s.agentId, agent.get().selectors()))
                    .forEach(t -> r.addTemplates(TemplateProtos.toProto(t)));
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
