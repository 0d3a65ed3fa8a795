package dev.signet.core.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BlockingIndexTest {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final BlockingIndex index = new BlockingIndex();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    void aQueryAtTheCurrentIndexBlocksUntilAChange() throws Exception {
        long now = index.current();
        CompletableFuture<Long> f = index.await(now, Duration.ofMinutes(10), timer);
        assertThat(f).isNotDone();
        index.bump();
        assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo(now + 1);
    }

    @Test
    void aQueryTimesOutAfterWaitWithTheSameIndex() throws Exception {
        long now = index.current();
        long start = System.nanoTime();
        CompletableFuture<Long> f = index.await(now, BlockingIndex.parseWait("1s"), timer);
        assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo(now);
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(elapsedMs).isBetween(1000L, 1000L + 1000 / 16 + 2000);
    }

    @Test
    void indexZeroAndAStaleIndexAnswerAtOnce() {
        index.bump();
        assertThat(index.await(0, Duration.ofMinutes(5), timer)).isCompletedWithValue(index.current());
        assertThat(index.await(index.current() - 1, Duration.ofMinutes(5), timer)).isCompletedWithValue(index.current());
        assertThat(index.await(index.current() + 100, Duration.ofMinutes(5), timer)).isCompletedWithValue(index.current());
    }

    @Test
    void advanceToOnlyRaises() throws Exception {
        long now = index.current();
        CompletableFuture<Long> f = index.await(now, Duration.ofMinutes(10), timer);
        index.advanceTo(now);
        assertThat(f).isNotDone();
        index.advanceTo(now + 7);
        assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo(now + 7);
    }

    @Test
    void waitParsesGoDurationsAndIsCapped() {
        assertThat(BlockingIndex.parseWait(null)).isEqualTo(Duration.ofMinutes(5));
        assertThat(BlockingIndex.parseWait("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(BlockingIndex.parseWait("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(BlockingIndex.parseWait("30")).isEqualTo(Duration.ofSeconds(30));
        assertThat(BlockingIndex.parseWait("1h")).isEqualTo(Duration.ofMinutes(10));
        assertThatThrownBy(() -> BlockingIndex.parseWait("soon")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BlockingIndex.parseIndex("-1")).isInstanceOf(IllegalArgumentException.class);
        assertThat(BlockingIndex.parseIndex("42")).isEqualTo(42);
    }
}
