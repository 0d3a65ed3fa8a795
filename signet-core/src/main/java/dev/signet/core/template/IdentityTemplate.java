package dev.signet.core.template;

import dev.signet.core.registration.Parent;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.InvalidSpiffeIdException;
import dev.signet.core.spiffeid.ReservedIds;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * An identity template: {@code spiffe://<td>/ns/{k8s:ns}/sa/{k8s:sa}}. Each path segment is either literal or
 * exactly one placeholder {@code {type:key}}, which takes {@code <v>} from the workload selector
 * {@code type:key:<v>}. A workload gets the derived ID when it has all {@link #selectors} (AND) and exactly one
 * value for every placeholder, and every value is a valid SPIFFE path segment; otherwise it gets none — a value
 * is never escaped or truncated. {@link #nodeSelectors} say which agents may serve it (empty: any node).
 *
 * <p>The template must lie in a trust domain, outside {@code /signet/} and name at least one placeholder; a
 * derived ID must be at most 2048 bytes and outside {@code /signet/} too.
 */
public record IdentityTemplate(
        String id,
        String template,
        SortedSet<Selector> selectors,
        SortedSet<Selector> nodeSelectors,
        Duration x509Ttl,
        Duration jwtTtl,
        List<String> dnsNames,
        String hint,
        Instant createdAt) {

    /** One path segment of the pattern: a literal, or a placeholder ({@code type}, {@code key}). */
    private record Segment(String literal, String type, String key) {
        boolean placeholder() {
            return literal == null;
        }
    }

    public IdentityTemplate {
        Objects.requireNonNull(template, "template");
        selectors = Collections.unmodifiableSortedSet(new TreeSet<>(selectors == null ? Set.of() : selectors));
        nodeSelectors = Collections.unmodifiableSortedSet(new TreeSet<>(nodeSelectors == null ? Set.of() : nodeSelectors));
        dnsNames = dnsNames == null ? List.of() : List.copyOf(dnsNames);
        hint = hint == null ? "" : hint;
        parse(template); // validates
    }

    /** This template with a (new) ID and creation time. */
    public IdentityTemplate withId(String newId, Instant created) {
        return new IdentityTemplate(newId, template, selectors, nodeSelectors, x509Ttl, jwtTtl, dnsNames, hint, created);
    }

    /** The template's trust domain. */
    public TrustDomain trustDomain() {
        return parsedTrustDomain(template);
    }

    /** Which agents may serve this template: those with all node selectors, or any node when there are none. */
    public Parent parent() {
        return nodeSelectors.isEmpty() ? new Parent.AnyNode() : new Parent.NodeSelectors(nodeSelectors);
    }

    /** The placeholders, as {@code type:key}, in order of appearance. */
    public List<String> placeholders() {
        List<String> out = new ArrayList<>();
        for (Segment s : parse(template)) {
            if (s.placeholder()) {
                out.add(s.type() + ":" + s.key());
            }
        }
        return out;
    }

    /**
     * Why this template may not be registered in {@code td}, or null if it may: it must be in {@code td}.
     * (Syntax, the reserved namespace and placeholders are checked on construction.)
     */
    public String problemIn(TrustDomain td) {
        TrustDomain own = trustDomain();
        return own.equals(td) ? null : "spiffe_id_template: trust domain \"" + own.name()
                + "\" is not this server's trust domain \"" + td.name() + "\"";
    }

    /** The ID derived for a workload with these selectors, or empty if the template does not apply. */
    public Optional<SpiffeId> derive(Set<Selector> workloadSelectors) {
        if (!workloadSelectors.containsAll(selectors)) {
            return Optional.empty();
        }
        StringBuilder path = new StringBuilder();
        for (Segment s : parse(template)) {
            String value = s.literal();
            if (s.placeholder()) {
                value = valueOf(workloadSelectors, s.type(), s.key());
                if (value == null || SpiffeId.segmentProblem(value) != null || value.equals(".") || value.equals("..")) {
                    return Optional.empty();
                }
            }
            path.append('/').append(value);
        }
        SpiffeId id;
        try {
            id = new SpiffeId(trustDomain(), path.toString());
        } catch (InvalidSpiffeIdException e) {
            return Optional.empty(); // e.g. longer than 2048 bytes
        }
        return ReservedIds.isReserved(id) ? Optional.empty() : Optional.of(id);
    }

    /** True if {@code id} is an ID this template can derive: same trust domain, literals, one segment per placeholder. */
    public boolean matches(SpiffeId id) {
        if (!id.trustDomain().equals(trustDomain()) || id.isRoot() || ReservedIds.isReserved(id)) {
            return false;
        }
        List<Segment> pattern = parse(template);
        String[] segs = id.path().substring(1).split("/", -1);
        if (segs.length != pattern.size()) {
            return false;
        }
        for (int i = 0; i < segs.length; i++) {
            Segment s = pattern.get(i);
            if (!s.placeholder() && !s.literal().equals(segs[i])) {
                return false;
            }
        }
        return true;
    }

    /** The one value of {@code type:key:<v>} among the selectors; null if there is none or more than one. */
    private static String valueOf(Set<Selector> selectors, String type, String key) {
        String prefix = key + ":";
        String found = null;
        for (Selector s : selectors) {
            if (s.type().equals(type) && s.value().startsWith(prefix)) {
                if (found != null) {
                    return null;
                }
                found = s.value().substring(prefix.length());
            }
        }
        return found;
    }

    private static final String PREFIX = "spiffe://";

    private static TrustDomain parsedTrustDomain(String template) {
        String rest = template.substring(PREFIX.length());
        int slash = rest.indexOf('/');
        return TrustDomain.parse(slash < 0 ? rest : rest.substring(0, slash));
    }

    /** Parses and validates the pattern; throws IllegalArgumentException naming {@code spiffe_id_template}. */
    private static List<Segment> parse(String template) {
        String field = "spiffe_id_template: ";
        if (!template.startsWith(PREFIX)) {
            throw new IllegalArgumentException(field + "must start with spiffe://<trust-domain>/ (got \"" + template + "\")");
        }
        String rest = template.substring(PREFIX.length());
        int slash = rest.indexOf('/');
        try {
            TrustDomain.parse(slash < 0 ? rest : rest.substring(0, slash));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + e.getMessage(), e);
        }
        if (slash < 0 || slash == rest.length() - 1) {
            throw new IllegalArgumentException(field + "must have a path (\"" + template + "\")");
        }
        String[] raw = rest.substring(slash + 1).split("/", -1);
        List<Segment> out = new ArrayList<>();
        boolean anyPlaceholder = false;
        for (String seg : raw) {
            if (seg.startsWith("{") && seg.endsWith("}")) {
                String inner = seg.substring(1, seg.length() - 1);
                int colon = inner.indexOf(':');
                if (colon <= 0 || colon == inner.length() - 1) {
                    throw new IllegalArgumentException(field + "placeholder \"" + seg + "\" must be {type:key}, e.g. {unix:user}");
                }
                String type = inner.substring(0, colon);
                String key = inner.substring(colon + 1);
                if (!type.matches("[a-z0-9_-]+") || !key.matches("[A-Za-z0-9_.-]+")) {
                    throw new IllegalArgumentException(field + "placeholder \"" + seg
                            + "\": type may hold [a-z0-9_-], key [A-Za-z0-9_.-]");
                }
                out.add(new Segment(null, type, key));
                anyPlaceholder = true;
            } else {
                if (seg.contains("{") || seg.contains("}")) {
                    throw new IllegalArgumentException(field + "a placeholder must be a whole path segment (\"" + seg + "\")");
                }
                String problem = SpiffeId.segmentProblem(seg);
                if (problem == null && (seg.equals(".") || seg.equals(".."))) {
                    problem = "path must not have '.' or '..' segments";
                }
                if (problem != null) {
                    throw new IllegalArgumentException(field + problem + " (\"" + template + "\")");
                }
                out.add(new Segment(seg, null, null));
            }
        }
        if (!anyPlaceholder) {
            throw new IllegalArgumentException(field + "names no placeholder {type:key}; register an entry instead");
        }
        if (out.get(0).literal() != null && ("/" + out.get(0).literal()).equals(ReservedIds.RESERVED_PREFIX)) {
            throw new IllegalArgumentException(field + "IDs under " + ReservedIds.RESERVED_PREFIX + "/ are reserved for Signet");
        }
        return out;
    }
}
