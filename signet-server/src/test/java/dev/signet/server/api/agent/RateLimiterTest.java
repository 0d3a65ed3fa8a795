package dev.signet.server.api.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.testing.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private final ManualClock clock = new ManualClock();

    @Test
    void burstThenRefillAtTheRatePerKey() {
        RateLimiter<String> l = new RateLimiter<>(10, 5, clock);
        for (int i = 0; i < 5; i++) {
            assertThat(l.tryAcquire("a")).isTrue();
        }
        assertThat(l.tryAcquire("a")).isFalse();
        assertThat(l.tryAcquire("b")).isTrue();
        clock.advance(Duration.ofMillis(100));
        assertThat(l.tryAcquire("a")).isTrue();
        assertThat(l.tryAcquire("a")).isFalse();
        clock.advance(Duration.ofHours(1));
        for (int i = 0; i < 5; i++) {
            assertThat(l.tryAcquire("a")).as("never more than the burst").isTrue();
        }
        assertThat(l.tryAcquire("a")).isFalse();
    }

    @Test
    void idleKeysAreForgottenAndZeroMeansUnlimited() {
        RateLimiter<Integer> l = new RateLimiter<>(1, 1, clock);
        for (int i = 0; i < 100; i++) {
            l.tryAcquire(i);
        }
        assertThat(l.trackedKeys()).isEqualTo(100);
        clock.advance(Duration.ofMinutes(2));
        l.tryAcquire(-1);
        assertThat(l.trackedKeys()).isEqualTo(1);

        RateLimiter<String> off = new RateLimiter<>(0, 0, clock);
        for (int i = 0; i < 10_000; i++) {
            assertThat(off.tryAcquire("a")).isTrue();
        }
        assertThat(off.isUnlimited()).isTrue();
    }
}
