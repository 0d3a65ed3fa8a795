package dev.signet.agent.cache;

import dev.signet.agent.endpoints.workload.IdentitySource;
import dev.signet.agent.jwt.JwtSvid;
import dev.signet.agent.jwt.JwtSvidCache;
import dev.signet.agent.jwt.JwtSvidException;
import dev.signet.core.bundle.JwtAuthority;
import dev.signet.core.bundle.TrustBundle;
import dev.signet.core.registration.Entry;
import dev.signet.core.registration.Parent;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.template.IdentityTemplate;
import java.util.Optional;
import dev.signet.core.spiffeid.TrustDomain;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's cache of authorized entries, the X509-SVIDs minted for them, and the trust bundle (X.509 and
 * JWT authorities) — the single source of truth for the Workload API. JWT-SVIDs come from a
 * {@link JwtSvidCache} the agent's manager attaches with {@link #setJwtSvids}. A workload with selector set S is entitled to every entry
 * whose selectors are a subset of S (SPIRE §5.3).
 *
 * <p>Subscribers get the full state for their selectors on subscribe and after every change that alters
 * it (an SVID rotated, an entry added, changed or removed, the bundle's X.509 or JWT authorities changed). The first
 * state is delivered on the subscribing thread before {@link #subscribe} returns; later notifications run on one
 * notifier thread, in order; one subscriber's deliveries never overlap and never go back to an older state. The cache never clears itself because the server is unreachable: SVIDs keep being
 * served until they are replaced or their entries are removed.
 */
public final class IdentityCache implements IdentitySource, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IdentityCache.class);

    private final TrustDomain trustDomain;
    private final Random jitter;
    private final Object lock = new Object();
    private final Map<IdentitySource.Subscription, Subscriber> subscribers = new ConcurrentHashMap<>();
    private final ExecutorService notifier = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "signet-cache-notify");
        t.setDaemon(true);
        return t;
    });
    private Map<String, Entry> entries = Map.of();
    /** Authorized identity templates by ID, from the last sync. */
    private Map<String, IdentityTemplate> templates = Map.of();
    /** Identities derived from templates for subscribed workloads, by synthetic entry ID ({@link #derivedEntryId}). */
    private final Map<String, Templated> derived = new LinkedHashMap<>();
    private volatile Runnable onDerived = () -> {};
    /** Derived identities the server refused or failed to sign: not retried before this time. */
    private final Map<String, Instant> templatedRetryAt = new HashMap<>();
    private final Map<String, Minted> svids = new HashMap<>();
    private TrustBundle bundle;
    private volatile JwtSvidCache jwtSvids;
    private volatile boolean ready;

    public IdentityCache(TrustDomain trustDomain, Random jitter) {
        this.trustDomain = trustDomain;
        this.jitter = jitter;
        this.bundle = new TrustBundle(trustDomain, List.of(), List.of(), 0, null);
    }

    public TrustDomain trustDomain() {
        return trustDomain;
    }

    /** Where {@link #fetchJwtSvid} gets JWT-SVIDs from; until set, it fails. */
    public void setJwtSvids(JwtSvidCache jwtSvids) {
        this.jwtSvids = jwtSvids;
    }

    /**
     * An identity derived from a template, to be minted with NewTemplatedX509SVID. {@code entry} is synthetic: its ID
     * is {@link #derivedEntryId}, its SPIFFE ID the derived ID, TTL, DNS names and hint the template's.
     */
    public record Templated(String templateId, Entry entry) {}

    /** The synthetic entry ID of an identity derived from a template: keyed by template ID and derived ID. */
    public static String derivedEntryId(String templateId, SpiffeId derivedId) {
        return "template:" + templateId + ":" + derivedId;
    }

    /** Runs (outside the cache's lock) when a workload's selectors derived a new identity that needs minting. */
    public void setOnDerived(Runnable onDerived) {
        this.onDerived = onDerived == null ? () -> {} : onDerived;
    }

    /** An SVID with the entry revision it was minted for and when to renew it. */
    private record Minted(X509Identity identity, Instant renewAt) {}

    /** Replaces the authorized entries and the bundle with an X.509-only bundle (no JWT authorities). */
    public void update(List<Entry> newEntries, List<X509Certificate> newBundle) {
        update(newEntries, new TrustBundle(trustDomain, newBundle, List.of(), 0, null));
    }

    /**
     * Replaces the authorized entries and the bundle (from a server sync); forgets the X509-SVIDs and
     * JWT-SVIDs of removed entries.
     */
    public void update(List<Entry> newEntries, TrustBundle newBundle) {
        List<IdentityTemplate> keep;
        synchronized (lock) {
            keep = List.copyOf(templates.values());
        }
        update(newEntries, keep, newBundle);
    }

    /**
     * Replaces the authorized entries, identity templates and the bundle (from a server sync); forgets the
     * X509-SVIDs and JWT-SVIDs of removed entries and the identities derived from removed templates.
     */
    public void update(List<Entry> newEntries, List<IdentityTemplate> newTemplates, TrustBundle newBundle) {
        if (!newBundle.trustDomain().equals(trustDomain)) {
            throw new IllegalArgumentException("bundle of trust domain " + newBundle.trustDomain() + " given to the cache of " + trustDomain);
        }
        JwtSvidCache jwt = jwtSvids;
        synchronized (lock) {
            Map<String, Entry> m = new LinkedHashMap<>();
            for (Entry e : newEntries) {
                m.put(e.id(), e);
            }
            entries = m;
            Map<String, IdentityTemplate> t = new LinkedHashMap<>();
            for (IdentityTemplate tmpl : newTemplates) {
                t.put(tmpl.id(), tmpl);
            }
            templates = t;
            derived.values().removeIf(d -> !t.containsKey(d.templateId()));
            templatedRetryAt.keySet().retainAll(derived.keySet());
            svids.keySet().removeIf(id -> !m.containsKey(id) && !derived.containsKey(id));
            bundle = newBundle;
            ready = true;
            if (jwt != null) {
                jwt.retainEntries(m.keySet());
            }
        }
        fanOut();
    }

    /** Stores freshly minted SVIDs (ignored when their entry has been removed meanwhile). */
    public void put(List<X509Identity> minted) {
        put(minted, null);
    }

    /**
     * Stores freshly minted SVIDs received at {@code receivedAt}. Renewal is planned from the later of the
     * certificate's notBefore and the receipt time: the server backdates notBefore (clock-skew cushion), and
     * measuring from it would make a short-lived SVID due for renewal the moment it arrives.
     */
    public void put(List<X509Identity> minted, Instant receivedAt) {
        synchronized (lock) {
            for (X509Identity id : minted) {
                if (entries.containsKey(id.entry().id()) || derived.containsKey(id.entry().id())) {
                    svids.put(id.entry().id(), new Minted(id, renewAt(id.leaf(), receivedAt)));
                    templatedRetryAt.remove(id.entry().id());
                }
            }
        }
        fanOut();
    }

    /** Forgets everything (the agent lost its authorization); workloads are then denied. */
    public void clear() {
        synchronized (lock) {
            entries = Map.of();
            templates = Map.of();
            derived.clear();
            templatedRetryAt.clear();
            svids.clear();
        }
        JwtSvidCache jwt = jwtSvids;
        if (jwt != null) {
            jwt.clear();
        }
        fanOut();
    }

    /**
     * Entries that need an SVID now: none yet, minted for an older revision of the entry, or past the renewal
     * point (about half-life, with ±10% jitter so a fleet does not renew in lockstep).
     */
    public List<Entry> dueForMinting(Instant now) {
        synchronized (lock) {
            List<Entry> due = new ArrayList<>();
            for (Entry e : entries.values()) {
                Minted m = svids.get(e.id());
                if (m == null || m.identity().entry().revision() != e.revision() || !now.isBefore(m.renewAt())) {
                    due.add(e);
                }
            }
            return due;
        }
    }

    /** Identities derived from templates that need an SVID now (the same rules as {@link #dueForMinting}). */
    public List<Templated> dueTemplated(Instant now) {
        synchronized (lock) {
            List<Templated> due = new ArrayList<>();
            for (Templated d : derived.values()) {
                Minted m = svids.get(d.entry().id());
                Instant retry = templatedRetryAt.get(d.entry().id());
                if (retry != null && now.isBefore(retry)) {
                    continue;
                }
                if (m == null || !now.isBefore(m.renewAt())) {
                    due.add(d);
                }
            }
            return due;
        }
    }

    /** Minting a derived identity failed: try again no earlier than {@code retryAt}. */
    public void templatedFailed(String derivedEntryId, Instant retryAt) {
        synchronized (lock) {
            if (derived.containsKey(derivedEntryId)) {
                templatedRetryAt.put(derivedEntryId, retryAt);
            }
        }
    }

    /** The earliest renewal time of any cached SVID, for scheduling. */
    public Instant nextRenewal() {
        synchronized (lock) {
            return svids.values().stream().map(Minted::renewAt).min(Comparator.naturalOrder()).orElse(Instant.MAX);
        }
    }

    private Instant renewAt(X509Certificate leaf, Instant receivedAt) {
        Instant nb = leaf.getNotBefore().toInstant();
        if (receivedAt != null && receivedAt.isAfter(nb)) {
            nb = receivedAt;
        }
        Instant na = leaf.getNotAfter().toInstant();
        long life = Duration.between(nb, na).toMillis();
        double fraction = 0.45 + 0.10 * jitter.nextDouble(); // renew when 45–55% of the lifetime has passed
        return nb.plusMillis((long) (life * fraction));
    }

    @Override
    public boolean ready() {
        return ready;
    }

    /** The own trust domain's X.509 authorities. */
    public List<X509Certificate> bundle() {
        synchronized (lock) {
            return bundle.x509Authorities();
        }
    }

    /** The own trust domain's bundle, X.509 and JWT authorities. */
    public TrustBundle trustBundle() {
        synchronized (lock) {
            return bundle;
        }
    }

    public int entryCount() {
        synchronized (lock) {
            return entries.size();
        }
    }

    @Override
    public WorkloadUpdate current(Set<Selector> selectors) {
        boolean[] newlyDerived = {false};
        WorkloadUpdate u = current(selectors, newlyDerived);
        if (newlyDerived[0]) {
            onDerived.run();
        }
        return u;
    }

    private WorkloadUpdate current(Set<Selector> selectors, boolean[] newlyDerived) {
        synchronized (lock) {
            List<Entry> matching = entries.values().stream()
                    .filter(e -> e.matches(selectors))
                    .sorted(Comparator.comparing(Entry::id))
                    .toList();
            Set<String> keptHints = hintWinners(matching);
            List<X509Identity> ids = new ArrayList<>();
            List<Entry> visible = new ArrayList<>();
            boolean pending = false;
            for (Entry e : matching) {
                if (!e.hint().isEmpty() && !keptHints.contains(e.id())) {
                    continue;
                }
                visible.add(e);
                Minted m = svids.get(e.id());
                if (m == null || !m.identity().entry().spiffeId().equals(e.spiffeId())) {
                    // not minted yet, or minted for an ID the entry no longer has: never serve a stale identity
                    pending = true;
                } else {
                    ids.add(m.identity());
                }
            }
            // identities derived from templates, after the entries; JWT-SVIDs are not minted for them (not in visible)
            Set<String> hints = new HashSet<>();
            visible.forEach(e -> hints.add(e.hint()));
            for (IdentityTemplate t : templates.values().stream().sorted(Comparator.comparing(IdentityTemplate::id)).toList()) {
                Optional<SpiffeId> id = t.derive(selectors);
                if (id.isEmpty() || (!t.hint().isEmpty() && !hints.add(t.hint()))) {
                    continue;
                }
                String key = derivedEntryId(t.id(), id.get());
                if (!derived.containsKey(key)) {
                    derived.put(key, new Templated(t.id(), new Entry(key, id.get(), new Parent.AnyNode(), t.selectors(),
                            t.x509Ttl(), t.dnsNames(), t.hint(), 0, t.createdAt(), t.jwtTtl())));
                    newlyDerived[0] = true;
                }
                Minted m = svids.get(key);
                if (m == null) {
                    pending = true;
                } else {
                    ids.add(m.identity());
                }
            }
            return new WorkloadUpdate(trustDomain, ids, bundle, pending, visible);
        }
    }

    /**
     * From the attached {@link JwtSvidCache}. The entry must still be authorized with the same SPIFFE ID: a
     * caller holding an entry from an earlier {@link #current} call gets no token for an entry removed since.
     */
    @Override
    public JwtSvid fetchJwtSvid(Entry entry, List<String> audience) throws JwtSvidException {
        JwtSvidCache jwt = jwtSvids;
        if (jwt == null) {
            throw new JwtSvidException("this agent cannot mint JWT-SVIDs");
        }
        synchronized (lock) {
            Entry now = entries.get(entry.id());
            if (now == null || !now.spiffeId().equals(entry.spiffeId())) {
                throw new JwtSvidException("entry " + entry.id() + " is no longer authorized for " + entry.spiffeId());
            }
        }
        return jwt.fetch(entry, audience);
    }

    /** Of entries sharing a non-empty hint, the oldest (then the smallest ID) wins (SPIRE §2.4). */
    private static Set<String> hintWinners(List<Entry> matching) {
        Map<String, Entry> winner = new HashMap<>();
        for (Entry e : matching) {
            if (e.hint().isEmpty()) {
                continue;
            }
            winner.merge(e.hint(), e, (a, b) -> older(a, b) ? a : b);
        }
        Set<String> ids = new HashSet<>();
        winner.values().forEach(e -> ids.add(e.id()));
        return ids;
    }

    private static boolean older(Entry a, Entry b) {
        Instant ca = a.createdAt() == null ? Instant.EPOCH : a.createdAt();
        Instant cb = b.createdAt() == null ? Instant.EPOCH : b.createdAt();
        int c = ca.compareTo(cb);
        return c != 0 ? c < 0 : a.id().compareTo(b.id()) < 0;
    }

    @Override
    public Subscription subscribe(Set<Selector> selectors, Consumer<WorkloadUpdate> listener) {
        Subscriber s = new Subscriber(Set.copyOf(selectors), listener);
        Subscription handle = () -> subscribers.remove(s.handle);
        s.handle = handle;
        subscribers.put(handle, s);
        // The first state is delivered right here, on the subscriber's thread: a hand-off to the notifier
        // thread cost a thread wake-up per Workload API call. Ordering still holds: every delivery to one
        // subscriber reads the cache and calls the listener under that subscriber's lock, so a fan-out
        // racing this one runs wholly before or after it and the listener never sees an older state last.
        deliver(s, true);
        return handle;
    }

    private void fanOut() {
        notifier.execute(() -> subscribers.values().forEach(s -> deliver(s, false)));
    }

    private void deliver(Subscriber s, boolean first) {
        synchronized (s) {
            if (!subscribers.containsKey(s.handle)) {
                return;
            }
            if (first && s.last != null) {
                return; // a fan-out that ran after registration already delivered the current state
            }
            WorkloadUpdate u = current(s.selectors);
            Fingerprint f = Fingerprint.of(u);
            if (!first && f.equals(s.last)) {
                return;
            }
            s.last = f;
            try {
                s.listener.accept(u);
            } catch (RuntimeException e) {
                log.warn("workload subscriber failed: {}", e.toString());
            }
        }
    }

    /**
     * Waits until every notification queued before this call has been delivered (for tests: a barrier after a
     * change). False if that took longer than {@code timeout}.
     */
    boolean awaitNotifications(Duration timeout) throws InterruptedException {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        notifier.execute(done::countDown);
        return done.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** An identity workloads receive: its entry, SPIFFE ID and how many subscriptions receive it. */
    public record Served(String entryId, String spiffeId, int workloads) {}

    /**
     * The identities open FetchX509SVID/SDS streams (subscriptions) currently receive, ordered by entry ID, with
     * how many streams receive each. For catalog state: counts only, nothing about the workloads.
     */
    public List<Served> served() {
        Map<String, Served> out = new java.util.TreeMap<>();
        for (Subscriber s : subscribers.values()) {
            for (X509Identity id : current(s.selectors).identities()) {
                out.merge(id.entry().id(), new Served(id.entry().id(), id.entry().spiffeId().toString(), 1),
                        (a, b) -> new Served(a.entryId(), a.spiffeId(), a.workloads() + 1));
            }
        }
        return List.copyOf(out.values());
    }

    @Override
    public void close() {
        subscribers.clear();
        notifier.shutdownNow();
    }

    private static final class Subscriber {
        final Set<Selector> selectors;
        final Consumer<WorkloadUpdate> listener;
        IdentitySource.Subscription handle;
        Fingerprint last;

        Subscriber(Set<Selector> selectors, Consumer<WorkloadUpdate> listener) {
            this.selectors = selectors;
            this.listener = listener;
        }
    }

    /**
     * What a subscriber has seen: identities by entry, revision and certificate serial, and the bundle's X.509
     * and JWT authorities (not its sequence number: only content changes notify).
     */
    private record Fingerprint(List<String> identities, List<X509Certificate> bundle, List<JwtAuthority> jwtAuthorities,
            boolean pending) {
        static Fingerprint of(WorkloadUpdate u) {
            List<String> ids = u.identities().stream()
                    .map(i -> i.entry().id() + "/" + i.entry().revision() + "/" + i.leaf().getSerialNumber())
                    .toList();
            // "pending" only matters while there is nothing to serve: it tells a waiting stream "not yet" versus
            // "denied". Once identities exist, a newly pending entry alone is no news to the workload.
            return new Fingerprint(ids, u.bundle(), u.trustBundle().jwtAuthorities(), u.pending() && ids.isEmpty());
        }
    }
}
