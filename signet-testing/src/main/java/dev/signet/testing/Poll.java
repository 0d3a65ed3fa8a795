package dev.signet.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition by polling it until a deadline: tests never sleep a fixed time. */
public final class Poll {
    private Poll() {}

    /** Polls until {@code condition} holds; fails with {@code what} after {@code timeout}. */
    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            pause();
        }
    }

    /** Polls {@code supplier} until it returns non-null; returns that value. */
    public static <T> T value(Duration timeout, String what, Supplier<T> supplier) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T v = supplier.get();
            if (v != null) {
                return v;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
