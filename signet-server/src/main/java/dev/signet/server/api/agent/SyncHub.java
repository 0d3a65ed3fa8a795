package dev.signet.server.api.agent;

import dev.signet.core.intention.Action;
import dev.signet.core.intention.IntentionProtos;
import dev.signet.core.registration.EntryProtos;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.bundle.BundleProtos;
import dev.signet.proto.agent.v1.SyncAuthorizedResponse;
import dev.signet.proto.common.v1.Bundle;
import dev.signet.server.authorization.EntryCache;
import dev.signet.server.authorization.EntryIndex;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes each connected agent its authorized entries and the trust bundle: the full state when it connects
 * and again whenever what that agent would receive differs from what it last got. Recomputation runs on one thread,
 * so updates to a stream are ordered; changes that arrive while a round is still queued collapse into it. A banned or
 * evicted agent's stream is closed with PERMISSION_DENIED.
 *
 * <p><b>Who is pushed.</b> {@link #changed()} (the bundle, intentions, templates, bans: anything) recomputes every
 * connected agent. A {@link EntryCache.Change} from the entry cache is narrower: only agents whose record was written,
 * and agents that an old or a new version of a changed entry admits (found with {@link EntryIndex#admitsAny}), are
 * recomputed; every round re-reads the bundle, intentions and templates, and agents whose last message was computed
 * with different ones (the change's {@code other}) are recomputed too; when any agent record may have changed
 * ({@code allAgents}: a reload after another server's change) every connected agent's record is re-read, and only
 * those whose node selectors or ban changed are recomputed besides. An agent's own attestation therefore pushes only
 * to that agent's streams (a new agent gets its first message when it subscribes), and unaffected agents are neither
 * recomputed nor re-serialized.
 *
 * <p><b>Agent records</b> are kept between rounds (hub thread only): a record is dropped when the entry cache reports
 * it written, all are dropped on {@link #changed()} and on {@code allAgents}; a new subscription always reads its
 * agent's record afresh.
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
    /** Changes not yet handled by a round; guarded by itself. A round is queued whenever it is not empty. */
    private final Pending pending = new Pending();
    private final java.util.concurrent.atomic.AtomicLong computed = new java.util.concurrent.atomic.AtomicLong();
    /** Kept agent records (hub thread only). */
    private final Map<SpiffeId, Optional<AgentRecord>> agentCache = new HashMap<>();
    /** The bundle, intentions and templates read last (hub thread only), so equal values are one object. */
    private Bundle lastBundle;
    private List<dev.signet.proto.intention.v1.Intention> lastIntentions;
    private List<IdentityTemplate> lastTemplates;
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

    /**
     * A hub that also pushes each agent the identity templates authorized for it (null: none). It follows the entry
     * cache's changes ({@link EntryCache#onChange(java.util.function.Consumer)}) by itself.
     */
    public SyncHub(EntryCache entries, AgentStore agents, CertificateAuthority ca, IntentionStore intentions,
            Action defaultIntentionPolicy, TemplateStore templates) {
        this.templates = templates;
        this.entries = entries;
        this.agents = agents;
        this.ca = ca;
        this.intentions = intentions;
        this.defaultIntentionPolicy = defaultIntentionPolicy;
        entries.onChange(this::entriesChanged);
    }

    public void subscribe(SpiffeId agentId, ServerCallStreamObserver<SyncAuthorizedResponse> stream) {
        Subscriber s = new Subscriber(agentId, stream);
        subscribers.put(stream, s);
        stream.setOnCancelHandler(() -> subscribers.remove(stream));
        executor.execute(() -> {
            agentCache.remove(agentId); // read afresh: it has just attested or reconnected
            push(s, canonical(currentBundle()), canonicalIntentions(currentIntentions()), canonicalTemplates(currentTemplates()));
        });
    }

    /** Something changed (the bundle's X.509 or JWT authorities, intentions, templates, a ban): recompute everyone. */
    public void changed() {
        queue(p -> {
            p.everyone = true;
            p.allAgents = true;
        });
    }

    /** This agent's record changed (attestation, renewal): recompute its streams only. */
    public void agentChanged(SpiffeId agentId) {
        queue(p -> p.agents.add(agentId));
    }

    /** What the entry cache reports: see the class comment. */
    private void entriesChanged(EntryCache.Change c) {
        queue(p -> {
            p.entries.addAll(c.entries());
            p.agents.addAll(c.agents());
            p.allAgents |= c.allAgents();
            // c.other(): the bundle, intentions or templates may have changed; every round re-reads and compares them
        });
    }

    private void queue(java.util.function.Consumer<Pending> change) {
        boolean start;
        synchronized (pending) {
            change.accept(pending);
            start = !pending.queued;
            pending.queued = true;
        }
        if (start) {
            try {
                executor.execute(this::round);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                synchronized (pending) {
                    pending.queued = false; // closed
                }
            }
        }
    }

    private void round() {
        Pending p;
        synchronized (pending) {
            p = pending.take();
        }
        if (p.allAgents) {
            agentCache.clear();
        } else {
            p.agents.forEach(agentCache::remove);
        }
        if (subscribers.isEmpty()) {
            return;
        }
        Bundle bundle = canonical(currentBundle());
        List<dev.signet.proto.intention.v1.Intention> intents = canonicalIntentions(currentIntentions());
        List<IdentityTemplate> tmpls = canonicalTemplates(currentTemplates());
        java.util.function.BiPredicate<SpiffeId, Set<Selector>> admitted = EntryIndex.admitsAny(p.entries);
        for (Subscriber s : subscribers.values()) {
            // canonical values: a subscriber sent the same bundle, intentions and templates holds these very objects
            boolean sharedChanged = s.bundle != bundle || s.intentions != intents || s.templates != tmpls;
            if (p.everyone || sharedChanged || s.last == null || p.agents.contains(s.agentId)) {
                push(s, bundle, intents, tmpls);
                continue;
            }
            Optional<AgentRecord> a;
            if (p.allAgents) {
                try {
                    a = agentRecord(s.agentId);
                } catch (RuntimeException e) {
                    push(s, bundle, intents, tmpls); // reports the failure
                    continue;
                }
                if (a.isEmpty() || a.get().banned() || !a.get().selectors().equals(s.selectors)) {
                    push(s, bundle, intents, tmpls);
                    continue;
                }
            }
            if (admitted.test(s.agentId, s.selectors)) {
                push(s, bundle, intents, tmpls);
            }
        }
    }

    /** {@code b}, or the equal value seen last (so equal values are the same object); hub thread. */
    private Bundle canonical(Bundle b) {
        if (b != null && b.equals(lastBundle)) {
            return lastBundle;
        }
        lastBundle = b;
        return b;
    }

    private List<dev.signet.proto.intention.v1.Intention> canonicalIntentions(List<dev.signet.proto.intention.v1.Intention> l) {
        if (l != null && l.equals(lastIntentions)) {
            return lastIntentions;
        }
        lastIntentions = l;
        return l;
    }

    private List<IdentityTemplate> canonicalTemplates(List<IdentityTemplate> l) {
        if (l != null && l.equals(lastTemplates)) {
            return lastTemplates;
        }
        lastTemplates = l;
        return l;
    }

    /** The agent's record, kept between rounds. Hub thread. */
    private Optional<AgentRecord> agentRecord(SpiffeId id) {
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

    /** How many messages the hub has computed for agents so far (sent or found equal to the last one). */
    public long messagesComputed() {
        return computed.get();
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
            s.selectors = agent.get().selectors();
            s.bundle = bundle;
            s.intentions = intents;
            s.templates = tmpls;
            computed.incrementAndGet();
            SyncAuthorizedResponse.Builder r = SyncAuthorizedResponse.newBuilder().setBundle(bundle)
                    .addAllIntentions(intents).setDefaultIntentionPolicy(defaultIntentionPolicy.text());
            entries.authorizedFor(s.agentId, s.selectors).forEach(e -> r.addEntries(EntryProtos.toProto(e)));
            tmpls.stream().filter(t -> t.parent().admits(s.agentId, s.selectors))
                    .forEach(t -> r.addTemplates(TemplateProtos.toProto(t)));
            SyncAuthorizedResponse msg = r.build();
            if (!msg.equals(s.last)) {
                s.last = msg;
                s.stream.onNext(msg);
            }
        } catch (RuntimeException e) {
            log.warn("sync to agent {} failed: {}", s.agentId, e.toString());
            agentCache.remove(s.agentId);
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

    /** Changes collected for the next round. */
    private static final class Pending {
        boolean queued;
        boolean everyone;
        boolean allAgents;
        Set<SpiffeId> agents = new HashSet<>();
        List<dev.signet.core.registration.Entry> entries = new ArrayList<>();

        /** Hands over what was collected and starts afresh; the round that takes it is running. */
        Pending take() {
            Pending p = new Pending();
            p.everyone = everyone;
            p.allAgents = allAgents;
            p.agents = agents;
            p.entries = entries;
            queued = false;
            everyone = false;
            allAgents = false;
            agents = new HashSet<>();
            entries = new ArrayList<>();
            return p;
        }
    }

    private static final class Subscriber {
        final SpiffeId agentId;
        final ServerCallStreamObserver<SyncAuthorizedResponse> stream;
        /** What it was last sent, and the node selectors it was computed for (hub thread). */
        SyncAuthorizedResponse last;
        Set<Selector> selectors = Set.of();
        /** The bundle, intentions and templates its last message was computed with (canonical objects). */
        Bundle bundle;
        List<dev.signet.proto.intention.v1.Intention> intentions;
        List<IdentityTemplate> templates;

        Subscriber(SpiffeId agentId, ServerCallStreamObserver<SyncAuthorizedResponse> stream) {
            this.agentId = agentId;
            this.stream = stream;
        }
    }
}
