package dev.signet.agent.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parsing server_address: one address, a list, comma-separated, host or host:port, IPv6 literals. */
class ServerAddressTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "signet.example.org        | signet.example.org | 8081",
        "signet.example.org:9443   | signet.example.org | 9443",
        "10.0.0.5                  | 10.0.0.5           | 8081",
        "10.0.0.5:1                | 10.0.0.5           | 1",
        "[2001:db8::1]             | 2001:db8::1        | 8081",
        "[2001:db8::1]:65535       | 2001:db8::1        | 65535",
        "2001:db8::1               | 2001:db8::1        | 8081",
        "'  padded.example:7000 '  | padded.example     | 7000",
    })
    void parsesOneAddress(String text, String host, int port) {
        assertThat(ServerAddress.parse(text, 8081)).isEqualTo(new ServerAddress(host, port));
    }

    @Test
    void aListAndCommaSeparatedStringsKeepTheirOrder() {
        assertThat(ServerAddress.parseAll(List.of("a.example:9000", "b.example"), 8081))
                .containsExactly(new ServerAddress("a.example", 9000), new ServerAddress("b.example", 8081));
        assertThat(ServerAddress.parseAll(List.of("a.example:9000, b.example ,c.example:1"), 8081))
                .containsExactly(new ServerAddress("a.example", 9000), new ServerAddress("b.example", 8081),
                        new ServerAddress("c.example", 1));
        assertThat(ServerAddress.parseAll(List.of("a.example", "b.example,c.example"), 7))
                .extracting(ServerAddress::toString).containsExactly("a.example:7", "b.example:7", "c.example:7");
    }

    @Test
    void toStringBracketsIpv6() {
        assertThat(new ServerAddress("2001:db8::1", 8081)).hasToString("[2001:db8::1]:8081");
        assertThat(new ServerAddress("signet.example", 8081)).hasToString("signet.example:8081");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "host:0             | port must be between 1 and 65535, got 0",
        "host:65536         | port must be between 1 and 65535, got 65536",
        "host:http          | \"host:http\": port must be a number",
        "host:              | \"host:\": port must be a number",
        ":8081              | the host is empty",
        "[2001:db8::1       | missing ]",
        "[2001:db8::1]x     | expected :port after ]",
        "'two words'        | is not a host name or IP address",
        "https://host       | port must be a number",
        "a.example,,b       | empty address",
        "a.example,         | empty address",
        "'a.example, a.example' | \"a.example\" is listed twice",
        "'A.example:8081,a.example' | is listed twice",
    })
    void refusesMalformedAddressesNamingThem(String text, String problem) {
        assertThatThrownBy(() -> ServerAddress.parseAll(List.of(text), 8081))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(problem);
    }

    @Test
    void refusesAnEmptyList() {
        assertThatThrownBy(() -> ServerAddress.parseAll(List.of(), 8081)).hasMessageContaining("no server address");
    }
}
