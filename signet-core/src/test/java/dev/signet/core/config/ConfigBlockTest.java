package dev.signet.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ConfigBlockTest {
    @Test
    void readsBlocksCommentsAndHeredocs() {
        ConfigBlock root = ConfigBlock.parse("a.hcl", """
                # comment
                server {
                  // another
                  name = "x" /* inline */
                  port = 8081
                  on = true
                  ttl = "1h"
                  text = <<EOF
                multi {
                line
                EOF
                }
                """);
        ConfigBlock s = root.block("server");
        assertThat(s.string("name", null)).isEqualTo("x");
        assertThat(s.integer("port", 0)).isEqualTo(8081);
        assertThat(s.bool("on", false)).isTrue();
        assertThat(s.duration("ttl", null)).isEqualTo(Duration.ofHours(1));
        assertThat(s.string("text", null)).contains("multi {");
        s.rejectUnknownKeys();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "server { trust_domain = |line 1: '=' is not followed by a value",
        "server { a = \"x\"|line 1: '{' is never closed",
        "server { a = \"x\" } }|line 1: unexpected '}'",
        "server { a = [1, 2 }|'}' does not close the '['",
        "server { a = \"x }|line 1: unterminated string",
        "/* open|unterminated /* comment",
    })
    void malformedHclIsAnErrorWithALine(String text, String message) {
        assertThatThrownBy(() -> ConfigBlock.parse("f.hcl", text)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("f.hcl: malformed HCL:").hasMessageContaining(message);
    }

    @Test
    void typeErrorsNameTheKey() {
        ConfigBlock s = ConfigBlock.parse("f", "server {\n port = \"x\"\n on = 3\n}").block("server");
        assertThatThrownBy(() -> s.integer("port", 0)).hasMessageStartingWith("server.port: expected an integer");
        assertThatThrownBy(() -> s.bool("on", false)).hasMessageStartingWith("server.on: expected true or false");
    }
}
