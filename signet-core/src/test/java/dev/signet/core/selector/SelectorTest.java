package dev.signet.core.selector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SelectorTest {
    @Test
    void parsesTypeAndValueAtFirstColon() {
        Selector s = Selector.parse("k8s:pod-label:app:web");
        assertThat(s.type()).isEqualTo("k8s");
        assertThat(s.value()).isEqualTo("pod-label:app:web");
        assertThat(s.toString()).isEqualTo("k8s:pod-label:app:web");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "unix", ":uid:1", "unix:", "Unix:uid:1", "un ix:uid:1", "unix:uid:\n1"})
    void rejectsMalformedWithMessageNamingIt(String s) {
        assertThatThrownBy(() -> Selector.parse(s)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("selector");
    }
}
