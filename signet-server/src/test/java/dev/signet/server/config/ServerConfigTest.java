package dev.signet.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServerConfigTest {
    private static ServerConfig parse(String hcl, ServerConfig.Overrides o) {
        return ServerConfig.fromHcl(ConfigBlock.parse("server.hcl", hcl), o);
    }

    @Test
    void readsEveryKey() {
        ServerConfig c = parse("""
                server {
                  trust_domain = "example.org"
                  data_dir = "/var/lib/signet"
                  bind_address = "127.0.0.1"
                  bind_port = 9081
                  socket_path = "/run/signet/admin.sock"
                  ca_key_type = "ec-p384"
                  ca_ttl = "48h"
                  default_x509_svid_ttl = "30m"
                  default_jwt_svid_ttl = "5m"
                  agent_ttl = "2h"
                  log_level = "debug"
                }
                """, ServerConfig.Overrides.none());
        assertThat(c.trustDomain().name()).isEqualTo("example.org");
        assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/signet"));
        assertThat(c.bindPort()).isEqualTo(9081);
        assertThat(c.caTtl()).isEqualTo(Duration.ofHours(48));
        assertThat(c.defaultX509SvidTtl()).isEqualTo(Duration.ofMinutes(30));
        assertThat(c.agentTtl()).isEqualTo(Duration.ofHours(2));
        assertThat(c.caKeyType().configName()).isEqualTo("ec-p384");
    }

    @Test
    void flagsOverrideTheFile() {
        ServerConfig c = parse("server { trust_domain = \"example.org\"\n bind_port = 9081 }",
                new ServerConfig.Overrides("other.org", null, null, 7000, null, null));
        assertThat(c.trustDomain().name()).isEqualTo("other.org");
        assertThat(c.bindPort()).isEqualTo(7000);
    }

    @Test
    void errorsNameTheKey() {
        assertThatThrownBy(() -> parse("server { trust_domain = \"Example.ORG\" }", ServerConfig.Overrides.none()))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("server.trust_domain:");
        assertThatThrownBy(() -> parse("server { trust_domain = \"td:8080\" }", ServerConfig.Overrides.none()))
                .hasMessageStartingWith("server.trust_domain:").hasMessageContaining("port");
        assertThatThrownBy(() -> parse("server { trust_domain = \"a.org\"\n ca_ttl = \"1x\" }", ServerConfig.Overrides.none()))
                .hasMessageStartingWith("server.ca_ttl:");
        assertThatThrownBy(() -> parse("server { trust_domain = \"a.org\"\n bind_port = \"eighty\" }", ServerConfig.Overrides.none()))
                .hasMessageStartingWith("server.bind_port:");
        assertThatThrownBy(() -> parse("server { trust_domain = \"a.org\"\n bind_prot = 1 }", ServerConfig.Overrides.none()))
                .hasMessage("server.bind_prot: unknown configuration key");
        assertThatThrownBy(() -> parse("server { }", ServerConfig.Overrides.none()))
                .hasMessageStartingWith("server.trust_domain: is required");
        assertThatThrownBy(() -> parse("server { trust_domain = \"a.org\"\n ca_key_type = \"dsa\" }", ServerConfig.Overrides.none()))
                .hasMessageStartingWith("server.ca_key_type:");
    }

    @Test
    void ID6_trustDomainOver255BytesIsRefused() {
        assertThatThrownBy(() -> parse("server { trust_domain = \"" + "a".repeat(256) + "\" }", ServerConfig.Overrides.none()))
                .hasMessageStartingWith("server.trust_domain:");
    }

    @Test
    void malformedHclNamesTheFile() {
        assertThatThrownBy(() -> parse("server { trust_domain = ", ServerConfig.Overrides.none()))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("server.hcl: malformed HCL");
    }
}
