package dev.signet.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@code http_port}: unset (default 8500, soft), 0 any free port, -1 off, else a port. */
class HttpPortConfigTest {
    private static AgentConfig parse(String extra) {
        return AgentConfigFixtures.minimalWith(extra);
    }

    @Test
    void values() {
        assertThat(parse("").httpPort()).isNull();
        assertThat(parse("http_port = 0").httpPort()).isZero();
        assertThat(parse("http_port = -1").httpPort()).isEqualTo(-1);
        assertThat(parse("http_port = 18500").httpPort()).isEqualTo(18500);
        assertThatThrownBy(() -> parse("http_port = 70000")).hasMessageContaining("http_port");
        assertThatThrownBy(() -> parse("http_port = -2")).hasMessageContaining("http_port");
    }
}
