package dev.signet.core.catalog;

import dev.signet.core.registration.Entry;
import dev.signet.core.registration.Parent;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A Consul-style service definition: a named service whose workloads match any one of the alternative
 * {@link #workloadSelectors} sets (each an AND), on nodes attested with all of {@link #nodeSelectors} (empty: any
 * node). It is served as managed registration entries ({@link #entries}) with the SPIFFE ID
 * {@code spiffe://<td>[/ap/<partition>]/ns/<namespace>/dc/<datacenter>/svc/<name>} ({@link #spiffeId}).
 *
 * <p>The constructor applies the defaults (namespace and partition {@code default}, datacenter {@code dc1};
 * the partition is lower-cased as Consul does) and copies the collections; {@link #validate} checks the rest.
 * A null TTL means the server default; port 0 means none.
 */
public record ServiceDefinition(
        String name,
        String namespace,
        String partition,
        String datacenter,
        List<String> tags,
        Map<String, String> meta,
        int port,
        List<SortedSet<Selector>> workloadSelectors,
        SortedSet<Selector> nodeSelectors,
        Duration x509Ttl,
        Duration jwtTtl,
        List<String> dnsNames,
        String hint) {

    public static final String DEFAULT_NAMESPACE = "default";
    public static final String DEFAULT_PARTITION = "default";
    public static final String DEFAULT_DATACENTER = "dc1";
    /** Consul's limits on service meta. */
    public static final int MAX_META_PAIRS = 64;
    public static final int MAX_META_KEY_LENGTH = 128;
    public static final int MAX_META_VALUE_LENGTH = 512;
    /** The admin API's rule for entry IDs; derived IDs that would break it are hashed. */
    private static final String ENTRY_ID_RULE = "[A-Za-z0-9._-]{1,64}";

    /** What names a service: registering the same key again replaces the definition. */
    public record Key(String partition, String namespace, String datacenter, String name) implements Comparable<Key> {
        public Key {
            namespace = orDefault(namespace, DEFAULT_NAMESPACE);
            partition = orDefault(partition, DEFAULT_PARTITION).toLowerCase(Locale.ROOT);
            datacenter = orDefault(datacenter, DEFAULT_DATACENTER);
            Objects.requireNonNull(name, "name");
        }

        @Override
        public int compareTo(Key o) {
            return toString().compareTo(o.toString());
        }

        /** {@code <partition>/<namespace>/<datacenter>/<name>}: unambiguous, since no part contains '/'. */
        @Override
        public String toString() {
            return partition + "/" + namespace + "/" + datacenter + "/" + name;
        }

        /** How messages name the service, e.g. {@code web (namespace default, partition default, datacenter dc1)}. */
        public String describe() {
            return name + " (namespace " + namespace + ", partition " + partition + ", datacenter " + datacenter + ")";
        }
    }

    public ServiceDefinition {
        name = name == null ? "" : name;
        namespace = orDefault(namespace, DEFAULT_NAMESPACE);
        partition = orDefault(partition, DEFAULT_PARTITION).toLowerCase(Locale.ROOT);
        datacenter = orDefault(datacenter, DEFAULT_DATACENTER);
        tags = tags == null ? List.of() : List.copyOf(tags);
        meta = meta == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(meta));
        List<SortedSet<Selector>> sets = new ArrayList<>();
        if (workloadSelectors != null) {
            for (SortedSet<Selector> set : workloadSelectors) {
                sets.add(Collections.unmodifiableSortedSet(new TreeSet<>(set == null ? List.of() : set)));
            }
        }
        workloadSelectors = List.copyOf(sets);
        nodeSelectors = Collections.unmodifiableSortedSet(new TreeSet<>(nodeSelectors == null ? List.of() : nodeSelectors));
        dnsNames = dnsNames == null ? List.of() : List.copyOf(dnsNames);
        hint = hint == null ? "" : hint;
    }

    private static String orDefault(String s, String def) {
        return s == null || s.isEmpty() ? def : s;
    }

    public Key key() {
        return new Key(partition, namespace, datacenter, name);
    }

    /**
     * Checks every field; the message of the {@link IllegalArgumentException} starts with the field at fault,
     * e.g. {@code name: is required} or {@code workload_selectors[1]: is empty}.
     */
    public ServiceDefinition validate() {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("name: is required");
        }
        segment("name", name);
        segment("namespace", namespace);
        segment("partition", partition);
        segment("datacenter", datacenter);
        for (int i = 0; i < tags.size(); i++) {
            String t = tags.get(i);
            if (t == null || t.isEmpty() || t.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("tags[" + i + "]: must be a non-empty string without control characters");
            }
        }
        if (meta.size() > MAX_META_PAIRS) {
            throw new IllegalArgumentException("meta: at most " + MAX_META_PAIRS + " pairs, got " + meta.size());
        }
        for (Map.Entry<String, String> m : meta.entrySet()) {
            if (!m.getKey().matches("[A-Za-z0-9_-]{1," + MAX_META_KEY_LENGTH + "}")) {
                throw new IllegalArgumentException("meta: key \"" + m.getKey() + "\" must be 1-" + MAX_META_KEY_LENGTH
                        + " characters of letters, digits, '_', '-'");
            }
            if (m.getValue() == null || m.getValue().length() > MAX_META_VALUE_LENGTH) {
                throw new IllegalArgumentException("meta: value of \"" + m.getKey() + "\" must be at most "
                        + MAX_META_VALUE_LENGTH + " characters");
            }
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: must be between 0 and 65535, got " + port);
        }
        if (workloadSelectors.isEmpty()) {
            throw new IllegalArgumentException("workload_selectors: at least one selector set is required (e.g. [[\"unix:uid:1000\"]])");
        }
        for (int i = 0; i < workloadSelectors.size(); i++) {
            if (workloadSelectors.get(i).isEmpty()) {
                throw new IllegalArgumentException("workload_selectors[" + i + "]: a selector set must not be empty");
            }
            for (int j = 0; j < i; j++) {
                if (workloadSelectors.get(j).equals(workloadSelectors.get(i))) {
                    throw new IllegalArgumentException("workload_selectors[" + i + "]: repeats selector set " + j);
                }
            }
        }
        if (x509Ttl != null && (x509Ttl.isZero() || x509Ttl.isNegative())) {
            throw new IllegalArgumentException("x509_ttl: must be positive");
        }
        if (jwtTtl != null && (jwtTtl.isZero() || jwtTtl.isNegative())) {
            throw new IllegalArgumentException("jwt_ttl: must be positive");
        }
        for (int i = 0; i < dnsNames.size(); i++) {
            String d = dnsNames.get(i);
            if (d == null || d.isEmpty()) {
                throw new IllegalArgumentException("dns_names[" + i + "]: must not be empty");
            }
        }
        return this;
    }

    private static void segment(String field, String value) {
        String problem = SpiffeId.segmentProblem(value);
        if (problem != null || value.equals(".") || value.equals("..")) {
            throw new IllegalArgumentException(field + ": \"" + value + "\" is not a valid SPIFFE ID path segment ("
                    + (problem == null ? "'.' and '..' are not allowed" : problem) + ")");
        }
    }

    /**
     * The service's SPIFFE ID in Consul's format: {@code spiffe://<td>/ns/<ns>/dc/<dc>/svc/<name>}, prefixed with
     * {@code /ap/<partition>} when the partition is not {@code default}.
     */
    public SpiffeId spiffeId(TrustDomain td) {
        return spiffeId(td, key());
    }

    public static SpiffeId spiffeId(TrustDomain td, Key key) {
        List<String> segs = new ArrayList<>();
        if (!DEFAULT_PARTITION.equals(key.partition())) {
            segs.add("ap");
            segs.add(key.partition());
        }
        segs.addAll(List.of("ns", key.namespace(), "dc", key.datacenter(), "svc", key.name()));
        return SpiffeId.of(td, segs.toArray(new String[0]));
    }

    /**
     * The ID of the managed entry for workload selector set {@code index}:
     * {@code svc.<partition>.<namespace>.<datacenter>.<name>.<index>}, or {@code svc.<hash>.<index>} (the first
     * 128 bits of SHA-256 over the key, in hex) when that would be longer than 64 characters or a part contains
     * a '.', which would make the readable form ambiguous. Deterministic, so re-registering updates in place.
     */
    public static String entryId(Key key, int index) {
        String readable = "svc." + key.partition() + "." + key.namespace() + "." + key.datacenter() + "." + key.name() + "." + index;
        boolean dotted = (key.partition() + key.namespace() + key.datacenter() + key.name()).indexOf('.') >= 0;
        if (!dotted && readable.matches(ENTRY_ID_RULE)) {
            return readable;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.toString().getBytes(StandardCharsets.UTF_8));
            return "svc." + HexFormat.of().formatHex(digest, 0, 16) + "." + index;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /**
     * The managed registration entries, one per workload selector set, in order: deterministic IDs
     * ({@link #entryId}), the service's SPIFFE ID, parent {@link Parent.NodeSelectors} (or {@link Parent.AnyNode}
     * when there are none), the TTLs, DNS names and hint. Revision and created-at are left to the store.
     */
    public List<Entry> entries(TrustDomain td) {
        SpiffeId id = spiffeId(td);
        Parent parent = nodeSelectors.isEmpty() ? new Parent.AnyNode() : new Parent.NodeSelectors(nodeSelectors);
        List<Entry> out = new ArrayList<>(workloadSelectors.size());
        for (int i = 0; i < workloadSelectors.size(); i++) {
            out.add(new Entry(entryId(key(), i), id, parent, workloadSelectors.get(i), x509Ttl, dnsNames, hint, 0, null, jwtTtl));
        }
        return out;
    }
}
