package dev.signet.core.consul;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The index behind Consul-style blocking queries ({@code X-Consul-Index}, {@code ?index=N&wait=D}): a counter
 * that only rises, and a future per generation that completes when it does. Waiters never poll: they chain on
 * the current generation's future and a one-shot timeout on a scheduler.
 */
public final class BlockingIndex {
    /** Consul's default {@code wait}. */
    public static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
    /** Consul's largest {@code wait}; longer values are capped. */
    public static final Duration MAX_WAIT = Duration.ofMinutes(10);
    private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

    private long index;
    private CompletableFuture<Void> changed = new CompletableFuture<>();

    /** Starts at 1 (index 0 means "don't block"). */
    public BlockingIndex() {
        this(1);
    }

    public BlockingIndex(long initial) {
        this.index = Math.max(1, initial);
    }

    public synchronized long current() {
        return index;
    }

    /** Raises the index by one and wakes every waiter. */
    public void bump() {
        CompletableFuture<Void> fire;
        synchronized (this) {
            index++;
            fire = changed;
            changed = new CompletableFuture<>();
        }
        fire.complete(null);
    }

    /** Raises the index to {@code value} if that is higher (e.g. a bundle sequence number), waking waiters. */
    public void advanceTo(long value) {
        CompletableFuture<Void> fire;
        synchronized (this) {
            if (value <= index) {
                return;
            }
            index = value;
            fire = changed;
            changed = new CompletableFuture<>();
        }
        fire.complete(null);
    }

    /**
     * Completes with the current index once it differs from {@code seen}, or when {@code wait} (plus up to
     * wait/16 jitter) has passed. {@code seen} 0, or an index other than the current one (e.g. from before a
     * restart), completes at once.
     */
    public CompletableFuture<Long> await(long seen, Duration wait, ScheduledExecutorService timer) {
        CompletableFuture<Void> gen;
        synchronized (this) {
            if (seen == 0 || seen != index) {
                return CompletableFuture.completedFuture(index);
            }
            gen = changed;
        }
        CompletableFuture<Long> result = new CompletableFuture<>();
        gen.thenRun(() -> result.complete(current()));
        long millis = wait.toMillis();
        long jitter = millis / 16 > 0 ? ThreadLocalRandom.current().nextLong(millis / 16 + 1) : 0;
        var timeout = timer.schedule(() -> result.complete(current()), millis + jitter, TimeUnit.MILLISECONDS);
        result.whenComplete((v, e) -> timeout.cancel(false));
        return result;
    }

    /**
     * Parses a {@code wait} parameter: a Go duration ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 1m30s}) or
     * a bare number of seconds; null or empty gives {@link #DEFAULT_WAIT}; anything above {@link #MAX_WAIT} is capped.
     *
     * @throws IllegalArgumentException if it is neither
     */
    public static Duration parseWait(String s) {
        if (s == null || s.isEmpty()) {
            return DEFAULT_WAIT;
        }
        Duration d;
        if (s.matches("\\d+")) {
            d = Duration.ofSeconds(Long.parseLong(s));
        } else {
            Matcher m = GO_DURATION.matcher(s);
            d = Duration.ZERO;
            int end = 0;
            while (m.find() && m.start() == end) {
                double v = Double.parseDouble(m.group(1));
                long unitMillis = switch (m.group(2)) {
                    case "ms" -> 1;
                    case "s" -> 1000;
                    case "m" -> 60_000;
                    default -> 3_600_000;
                };
                d = d.plusMillis((long) (v * unitMillis));
                end = m.end();
            }
            if (end != s.length() || end == 0) {
                throw new IllegalArgumentException("invalid wait \"" + s + "\": use a duration like 30s or 5m");
            }
        }
        return d.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : d;
    }

    /**
     * Parses an {@code index} parameter: null or empty is 0.
     *
     * @throws IllegalArgumentException if it is not a non-negative integer
     */
    public static long parseIndex(String s) {
        if (s == null || s.isEmpty()) {
            return 0;
        }
        try {
            long v = Long.parseLong(s);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid index \"" + s + "\": must be a non-negative integer");
        }
    }
}
