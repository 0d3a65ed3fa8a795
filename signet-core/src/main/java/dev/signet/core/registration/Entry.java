package dev.signet.core.registration;

import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A registration entry: the workloads matching {@link #selectors} (all of them — AND) on agents allowed
 * by {@link #parent} get the identity {@link #spiffeId}. TTL 0/null means the server default.
 */
public record Entry(
        String id,
        SpiffeId spiffeId,
        Parent parent,
        SortedSet<Selector> selectors,
        Duration x509Ttl,
        List<String> dnsNames,
        String hint,
        long revision,
        Instant createdAt) {

    public Entry {
        Objects.requireNonNull(spiffeId, "spiffeId");
        Objects.requireNonNull(parent, "parent");
        selectors = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(selectors == null ? List.of() : selectors));
        dnsNames = dnsNames == null ? List.of() : List.copyOf(dnsNames);
        hint = hint == null ? "" : hint;
    }

    public Entry withId(String newId, long newRevision, Instant created) {
        return new Entry(newId, spiffeId, parent, selectors, x509Ttl, dnsNames, hint, newRevision, created);
    }

    /** True if every selector of this entry is among {@code callerSelectors}. */
    public boolean matches(java.util.Set<Selector> callerSelectors) {
        return callerSelectors.containsAll(selectors);
    }
}
