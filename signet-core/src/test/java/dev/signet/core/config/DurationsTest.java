package dev.signet.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void parsesGoStyle() {
        assertThat(Durations.parse("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("2d")).isEqualTo(Duration.ofDays(2));
        assertThat(Durations.format(Duration.ofMinutes(90))).isEqualTo("1h30m");
    }

    @Test
    void rejectsGarbage() {
        assertThatThrownBy(() -> Durations.parse("1x")).hasMessageContaining("unknown unit");
        assertThatThrownBy(() -> Durations.parse("h")).hasMessageContaining("invalid duration");
        assertThatThrownBy(() -> Durations.parse("")).hasMessageContaining("empty");
    }
}
