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
 * by {@link #parent} get the identity {@link #spiffeId}. A null TTL ({@link #x509Ttl}, {@link #jwtTtl}) means
 * the server default ({@code default_x509_svid_ttl}, {@code default_jwt_svid_ttl}).
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
        Instant createdAt,
        Duration jwtTtl) {

    public Entry {
        Objects.requireNonNull(spiffeId, "spiffeId");
        Objects.requireNonNull(parent, "parent");
        selectors = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(selectors == null ? List.of() : selectors));
        dnsNames = dnsNames == null ? List.of() : List.copyOf(dnsNames);
        hint = hint == null ? "" : hint;
    }

    /** An entry with the server's default JWT-SVID TTL: the constructor of entries without {@link #jwtTtl}. */
    public Entry(String id, SpiffeId spiffeId, Parent parent, SortedSet<Selector> selectors, Duration x509Ttl,
            List<String> dnsNames, String hint, long revision, Instant createdAt) {
        this(id, spiffeId, parent, selectors, x509Ttl, dnsNames, hint, revision, createdAt, null);
    }

    public Entry withId(String newId, long newRevision, Instant created) {
        return new Entry(newId, spiffeId, parent, selectors, x509Ttl, dnsNames, hint, newRevision, created, jwtTtl);
    }

    /** This entry with another JWT-SVID TTL (null: the server default). */
    public Entry withJwtTtl(Duration ttl) {
        return new Entry(id, spiffeId, parent, selectors, x509Ttl, dnsNames, hint, revision, createdAt, ttl);
    }

    /** True if every selector of this entry is among {@code callerSelectors}. */
    public boolean matches(java.util.Set<Selector> callerSelectors) {
        return callerSelectors.containsAll(selectors);
    }
}
