package dev.signet.bench;

import java.util.Arrays;
import java.util.Collection;

/** Percentiles of latency samples (nearest rank). */
record Stats(int count, double p50Ms, double p99Ms, double maxMs, double meanMs) {
    static Stats ofNanos(Collection<Long> nanos) {
        long[] a = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        if (a.length == 0) {
            return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        return new Stats(a.length, ms(rank(a, 0.50)), ms(rank(a, 0.99)), ms(a[a.length - 1]),
                ms((long) Arrays.stream(a).average().orElse(0)));
    }

    private static long rank(long[] sorted, double p) {
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1000.0) / 1000.0;
    }
}
