package dev.signet.cli.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Workload API address forms (SPIFFE Workload Endpoint §4, spiffe-rules E-6, unix only). */
class WorkloadSocketTest {
    @ParameterizedTest
    @CsvSource({
        "unix:///tmp/agent.sock, /tmp/agent.sock",
        "unix:/tmp/agent.sock,   /tmp/agent.sock",
        "/tmp/agent.sock,        /tmp/agent.sock",
        "UNIX:///run/a/b.sock,   /run/a/b.sock",
    })
    void E6_acceptedAddressForms(String address, String path) {
        assertThat(WorkloadSocket.parseAddress(address)).isEqualTo(Path.of(path));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "agent.sock", "unix:agent.sock", "unix://host/agent.sock", "unix:///tmp/a.sock?x=1",
        "unix:///tmp/a.sock#f", "unix://", "unix:///", "tcp://127.0.0.1:8000", "http://localhost/x"})
    void E6_rejectedAddressForms(String address) {
        assertThatThrownBy(() -> WorkloadSocket.parseAddress(address))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("use unix:///path/to/socket");
    }
}
