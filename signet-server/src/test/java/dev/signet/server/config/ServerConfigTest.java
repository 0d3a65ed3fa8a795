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

    @Test
    void jwtDefaults() {
        ServerConfig c = parse("server { trust_domain = \"example.org\" }", ServerConfig.Overrides.none());
        assertThat(c.jwtSigningAlgorithm()).isEqualTo(dev.signet.server.ca.JwtAlgorithm.ES256);
        assertThat(c.jwtIssuer()).isNull();
        assertThat(c.jwtSvidRateLimit()).isEqualTo(500);
        assertThat(c.oidcDiscovery()).as("disabled unless configured").isNull();
        assertThat(c.defaultJwtSvidTtl()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void readsJwtKeysAndTheOidcDiscoveryBlock() {
        ServerConfig c = parse("""
                server {
                  trust_domain = "example.org"
                  jwt_signing_algorithm = "PS256"
                  jwt_issuer = "https://oidc.example.org"
                  jwt_svid_rate_limit = 50
                  oidc_discovery {
                    bind_address = "127.0.0.1"
                    bind_port = 9443
                    domain = "oidc.example.org"
                    tls_cert_file = "/etc/signet/oidc.crt"
                    tls_key_file = "/etc/signet/oidc.key"
                  }
                }
                """, ServerConfig.Overrides.none());
        assertThat(c.jwtSigningAlgorithm()).isEqualTo(dev.signet.server.ca.JwtAlgorithm.PS256);
        assertThat(c.jwtIssuer()).isEqualTo("https://oidc.example.org");
        assertThat(c.jwtSvidRateLimit()).isEqualTo(50);
        ServerConfig.OidcDiscovery o = c.oidcDiscovery();
        assertThat(o.bindAddress()).isEqualTo("127.0.0.1");
        assertThat(o.bindPort()).isEqualTo(9443);
        assertThat(o.domain()).isEqualTo("oidc.example.org");
        assertThat(o.issuer()).as("defaults to jwt_issuer").isEqualTo("https://oidc.example.org");
        assertThat(o.tlsCertFile()).isEqualTo(Path.of("/etc/signet/oidc.crt"));
        assertThat(o.tlsKeyFile()).isEqualTo(Path.of("/etc/signet/oidc.key"));

        ServerConfig d = parse("server { trust_domain = \"example.org\"\n oidc_discovery { domain = \"id.example.org\" } }",
                ServerConfig.Overrides.none());
        assertThat(d.oidcDiscovery().bindPort()).isEqualTo(8443);
        assertThat(d.oidcDiscovery().issuerFor(8443, null)).isEqualTo("https://id.example.org:8443");
        assertThat(d.oidcDiscovery().issuerFor(443, null)).isEqualTo("https://id.example.org");
        assertThat(d.oidcDiscovery().tlsCertFile()).isNull();
    }

    @Test
    void jwtAndOidcErrorsNameTheKey() {
        String td = "server { trust_domain = \"a.org\"\n";
        assertThatThrownBy(() -> parse(td + "jwt_signing_algorithm = \"HS256\" }", ServerConfig.Overrides.none()))
                .hasMessageStartingWith("server.jwt_signing_algorithm:").hasMessageContaining("ES256");
        assertThatThrownBy(() -> parse(td + "jwt_svid_rate_limit = -1 }", ServerConfig.Overrides.none()))
                .hasMessageStartingWith("server.jwt_svid_rate_limit:");
        assertThatThrownBy(() -> parse(td + "jwt_issuer = \"a b\" }", ServerConfig.Overrides.none()))
                .hasMessageStartingWith("server.jwt_issuer:");
        assertThatThrownBy(() -> parse(td + "default_jwt_svid_ttl = \"48h\" }", ServerConfig.Overrides.none()))
                .hasMessageStartingWith("server.default_jwt_svid_ttl:");
        assertThatThrownBy(() -> parse(td + "oidc_discovery { issuer = \"http://x.org\" } }", ServerConfig.Overrides.none()))
                .hasMessageStartingWith("server.oidc_discovery.issuer:").hasMessageContaining("https");
        assertThatThrownBy(() -> parse(td + "oidc_discovery { issuer = \"https://x.org/?q=1\" } }", ServerConfig.Overrides.none()))
                .hasMessageStartingWith("server.oidc_discovery.issuer:");
        assertThatThrownBy(() -> parse(td + "jwt_issuer = \"https://a.org\"\n oidc_discovery { issuer = \"https://b.org\" } }",
                ServerConfig.Overrides.none()))
                .hasMessageStartingWith("server.oidc_discovery.issuer:").hasMessageContaining("jwt_issuer");
        assertThatThrownBy(() -> parse(td + "jwt_issuer = \"spiffe-issuer\"\n oidc_discovery { } }", ServerConfig.Overrides.none()))
                .hasMessageStartingWith("server.jwt_issuer:");
        assertThatThrownBy(() -> parse(td + "oidc_discovery { tls_cert_file = \"/a\" } }", ServerConfig.Overrides.none()))
                .hasMessageStartingWith("server.oidc_discovery.tls_key_file:");
        assertThatThrownBy(() -> parse(td + "oidc_discovery { bind_port = 70000 } }", ServerConfig.Overrides.none()))
                .hasMessageStartingWith("server.oidc_discovery.bind_port:");
        assertThatThrownBy(() -> parse(td + "oidc_discovery { domain = \"not a name\" } }", ServerConfig.Overrides.none()))
                .hasMessageStartingWith("server.oidc_discovery.domain:");
        assertThatThrownBy(() -> parse(td + "oidc_discovery { port = 1 } }", ServerConfig.Overrides.none()))
                .hasMessage("server.oidc_discovery.port: unknown configuration key");
    }
}
