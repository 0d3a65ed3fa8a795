package dev.signet.server.api.agent;

import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets per key (e.g. per agent): each key may take {@code perSecond} permits a second on average
 * and up to {@code burst} at once. Non-blocking: {@link #tryAcquire} answers at once, so a caller over its
 * limit is refused (RESOURCE_EXHAUSTED) rather than queued. Time comes from the injected clock. Buckets
 * idle long enough to have refilled are dropped, so memory follows the number of recently active keys.
 */
public final class RateLimiter<K> {
    private final double perSecond;
    private final double burst;
    private final Clock clock;
    private final Map<K, Bucket> buckets = new ConcurrentHashMap<>();
    private final long refillNanos;
    private volatile long lastSweepNanos;

    /**
     * @param perSecond permits per second per key; zero or less means unlimited
     * @param burst largest number of permits taken at once (at least 1)
     */
    public RateLimiter(double perSecond, int burst, Clock clock) {
        this.perSecond = perSecond;
        this.burst = Math.max(1, burst);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.refillNanos = perSecond > 0 ? (long) Math.ceil(this.burst / perSecond * 1e9) : 0;
        this.lastSweepNanos = nanos();
    }

    /** A limiter that never refuses. */
    public static <K> RateLimiter<K> unlimited(Clock clock) {
        return new RateLimiter<>(0, 1, clock);
    }

    public boolean isUnlimited() {
        return perSecond <= 0;
    }

    public double perSecond() {
        return perSecond;
    }

    /** Takes one permit for {@code key} if one is available. */
    public boolean tryAcquire(K key) {
        if (perSecond <= 0) {
            return true;
        }
        long now = nanos();
        sweep(now);
        return buckets.computeIfAbsent(key, k -> new Bucket(burst, now)).take(now);
    }

    /** Number of keys with a bucket (for tests). */
    int trackedKeys() {
        return buckets.size();
    }

    private long nanos() {
        java.time.Instant t = clock.instant();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private void sweep(long now) {
        long last = lastSweepNanos;
        if (now - last < Math.max(refillNanos, 60_000_000_000L)) {
            return;
        }
        lastSweepNanos = now;
        // A bucket untouched for a whole refill period is full again: dropping it changes nothing.
        buckets.entrySet().removeIf(e -> e.getValue().idleSince(now) >= refillNanos);
    }

    private final class Bucket {
        private double tokens;
        private long updated;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.updated = now;
        }

        synchronized boolean take(long now) {
            if (now > updated) {
                tokens = Math.min(burst, tokens + (now - updated) / 1e9 * perSecond);
                updated = now;
            }
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }

        synchronized long idleSince(long now) {
            return now - updated;
        }
    }
}
