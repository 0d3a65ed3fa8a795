package dev.signet.agent.jwt;

import dev.signet.core.registration.Entry;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's JWT-SVIDs, keyed by entry ID and audience set (SPIRE's JWT cache, reference-spire.md §1.9):
 * a token is reused until half its lifetime has passed, then a fresh one is minted. If minting fails and
 * the cached token has not expired, the cached token is returned (SPIRE does the same). Bounded: beyond
 * {@code maxSize} tokens the least recently used is dropped.
 *
 * <p>Every minted token is checked before it is cached or handed out: it must be a structurally valid
 * JWT-SVID (J-1–J-6, see {@link JwtSvidValidator}), its {@code sub} must be the entry's SPIFFE ID, its
 * {@code aud} exactly the requested audiences, and it must not have expired. The signature is not checked
 * here: the server may sign with a key the agent's bundle has not caught up with yet.
 *
 * <p>Thread-safe. Minting runs outside the lock, so two concurrent first requests for the same key may
 * both mint; the later token wins.
 */
public final class JwtSvidCache {
    /** SPIRE's JWT-SVID cache size. */
    public static final int DEFAULT_MAX_SIZE = 1000;
    private static final Logger log = LoggerFactory.getLogger(JwtSvidCache.class);

    private final JwtSvidMinter minter;
    private final Clock clock;
    private final int maxSize;
    private final LinkedHashMap<Key, Cached> tokens;

    private record Key(String entryId, List<String> audience) {}

    /** A token with the entry revision it was minted for. */
    private record Cached(JwtSvid svid, long revision) {}

    public JwtSvidCache(JwtSvidMinter minter, Clock clock, int maxSize) {
        this.minter = Objects.requireNonNull(minter, "minter");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxSize < 1) {
            throw new IllegalArgumentException("JWT-SVID cache size must be positive");
        }
        this.maxSize = maxSize;
        this.tokens = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Cached> eldest) {
                return size() > JwtSvidCache.this.maxSize;
            }
        };
    }

    /**
     * A JWT-SVID for {@code entry} with exactly these audiences (order and duplicates do not matter).
     *
     * @throws IllegalArgumentException if {@code audience} is empty or has an empty value
     * @throws JwtSvidException if no usable token is cached and the server did not give one
     */
    public JwtSvid fetch(Entry entry, Collection<String> audience) throws JwtSvidException {
        List<String> aud = normalize(audience);
        Key key = new Key(entry.id(), aud);
        Cached cached;
        synchronized (tokens) {
            cached = tokens.get(key);
        }
        if (cached != null && (cached.revision() != entry.revision() || !cached.svid().spiffeId().equals(entry.spiffeId()))) {
            cached = null; // minted for an earlier version of the entry: never serve it
        }
        if (cached != null && clock.instant().isBefore(cached.svid().refreshAt())) {
            return cached.svid();
        }
        JwtSvid fresh;
        try {
            fresh = check(minter.mint(entry, aud), entry, aud);
        } catch (JwtSvidException e) {
            if (cached != null && clock.instant().isBefore(cached.svid().expiresAt())) {
                log.warn("cannot refresh the JWT-SVID of entry {} ({}); serving the cached one until it expires at {}",
                        entry.id(), e.getMessage(), cached.svid().expiresAt());
                return cached.svid();
            }
            throw e;
        }
        synchronized (tokens) {
            tokens.put(key, new Cached(fresh, entry.revision()));
        }
        return fresh;
    }

    /** Forgets the tokens of entries not in {@code entryIds} (they were removed). */
    public void retainEntries(Set<String> entryIds) {
        Set<String> keep = new HashSet<>(entryIds);
        synchronized (tokens) {
            tokens.keySet().removeIf(k -> !keep.contains(k.entryId()));
        }
    }

    public void clear() {
        synchronized (tokens) {
            tokens.clear();
        }
    }

    public int size() {
        synchronized (tokens) {
            return tokens.size();
        }
    }

    /** Sorted, without duplicates. */
    static List<String> normalize(Collection<String> audience) {
        if (audience.isEmpty() || audience.stream().anyMatch(a -> a == null || a.isEmpty())) {
            throw new IllegalArgumentException("audience must be specified");
        }
        return List.copyOf(new TreeSet<>(audience));
    }

    private JwtSvid check(String token, Entry entry, List<String> aud) throws JwtSvidException {
        JwtSvidValidator.Parsed p;
        try {
            p = JwtSvidValidator.parse(token);
        } catch (JwtSvidValidationException e) {
            throw new JwtSvidException("the server returned an invalid JWT-SVID for entry " + entry.id() + ": " + e.getMessage(), e);
        }
        if (!p.subject().equals(entry.spiffeId())) {
            throw new JwtSvidException("the server returned a JWT-SVID for " + p.subject() + " instead of " + entry.spiffeId());
        }
        if (!new TreeSet<>(p.audience()).equals(new TreeSet<>(aud))) {
            throw new JwtSvidException("the server returned a JWT-SVID for audience " + p.audience() + " instead of " + aud);
        }
        Instant now = clock.instant();
        if (!now.isBefore(p.expiresAt())) {
            throw new JwtSvidException("the server returned a JWT-SVID that expired at " + p.expiresAt());
        }
        Instant iat = p.claims().getIssueTime() == null ? now : p.claims().getIssueTime().toInstant();
        return new JwtSvid(p.subject(), token, List.copyOf(new TreeSet<>(p.audience())), iat, p.expiresAt());
    }
}
