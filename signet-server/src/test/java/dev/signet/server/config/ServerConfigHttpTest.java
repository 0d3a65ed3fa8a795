package dev.signet.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import org.junit.jupiter.api.Test;

class ServerConfigHttpTest {
    private static ServerConfig parse(String hcl) {
        return ServerConfig.fromHcl(ConfigBlock.parse("server.hcl", hcl), ServerConfig.Overrides.none());
    }

    @Test
    void httpIsOffUnlessConfiguredAndDefaultsToLoopback8501() {
        assertThat(parse("server {\n trust_domain = \"td\"\n}\n").http()).isNull();
        assertThat(parse("server {\n trust_domain = \"td\"\n http {\n }\n}\n").http())
                .isEqualTo(new ServerConfig.Http("127.0.0.1", 8501));
        assertThat(parse("server {\n trust_domain = \"td\"\n http {\n bind_address = \"0.0.0.0\"\n bind_port = 9500\n }\n}\n").http())
                .isEqualTo(new ServerConfig.Http("0.0.0.0", 9500));
        assertThatThrownBy(() -> parse("server {\n trust_domain = \"td\"\n http {\n bind_port = 70000\n }\n}\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("bind_port");
        assertThatThrownBy(() -> parse("server {\n trust_domain = \"td\"\n http {\n port = 1\n }\n}\n"))
                .isInstanceOf(ConfigException.class);
    }
}
