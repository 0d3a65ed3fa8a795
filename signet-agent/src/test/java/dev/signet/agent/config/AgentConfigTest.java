package dev.signet.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.agent.attestor.workload.unix.UnixAttestor;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** AgentConfig.fromHcl: every key, defaults, flag overrides, and errors that name the key. */
class AgentConfigTest {
    private static final String MINIMAL = """
            agent {
              trust_domain = "example.org"
              server_address = "signet.example.org"
            }
            """;

    private static AgentConfig parse(String hcl, AgentConfig.Overrides o) {
        return AgentConfig.fromHcl(ConfigBlock.parse("agent.hcl", hcl), o);
    }

    private static AgentConfig parse(String hcl) {
        return parse(hcl, AgentConfig.Overrides.none());
    }

    private static String error(String hcl, AgentConfig.Overrides o) {
        return org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> parse(hcl, o)).getMessage();
    }

    private static String error(String hcl) {
        return error(hcl, AgentConfig.Overrides.none());
    }

    @Test
    void readsEveryKey() {
        AgentConfig c = parse("""
                agent {
                  trust_domain = "example.org"
                  server_address = "10.0.0.5"
                  server_port = 9081
                  data_dir = "/var/lib/signet-agent"
                  join_token = "7d3c1f2a-token"
                  trust_bundle_path = "/etc/signet/bundle.pem"
                  socket_path = "/run/signet/agent.sock"
                  log_level = "DEBUG"
                }
                workload_attestor "unix" {
                  discover_workload_path = true
                  workload_size_limit = 1048576
                }
                """);

        assertThat(c.trustDomain().name()).isEqualTo("example.org");
        assertThat(c.serverAddress()).isEqualTo("10.0.0.5");
        assertThat(c.serverPort()).isEqualTo(9081);
        assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/signet-agent"));
        assertThat(c.joinToken()).isEqualTo("7d3c1f2a-token");
        assertThat(c.trustBundlePath()).isEqualTo(Path.of("/etc/signet/bundle.pem"));
        assertThat(c.insecureBootstrap()).isFalse();
        assertThat(c.socketPath()).isEqualTo(Path.of("/run/signet/agent.sock"));
        assertThat(c.logLevel()).isEqualTo("debug");
        assertThat(c.unixAttestor()).isEqualTo(new UnixAttestor.Config(true, 1048576));
    }

    @Test
    void insecureBootstrapAlone() {
        AgentConfig c = parse("""
                agent {
                  trust_domain = "example.org"
                  server_address = "signet.example.org"
                  insecure_bootstrap = true
                }
                """);
        assertThat(c.insecureBootstrap()).isTrue();
        assertThat(c.trustBundlePath()).isNull();
    }

    @Test
    void defaults() {
        AgentConfig c = parse(MINIMAL);

        assertThat(c.serverPort()).isEqualTo(8081);
        assertThat(c.dataDir()).isEqualTo(Path.of("./.signet-agent"));
        assertThat(c.joinToken()).isNull();
        assertThat(c.trustBundlePath()).isNull();
        assertThat(c.insecureBootstrap()).isFalse();
        assertThat(c.socketPath()).isEqualTo(Path.of(AgentConfig.DEFAULT_SOCKET));
        assertThat(AgentConfig.DEFAULT_SOCKET).isEqualTo("/tmp/signet/agent.sock");
        assertThat(c.logLevel()).isEqualTo("info");
        assertThat(c.unixAttestor()).isEqualTo(UnixAttestor.Config.defaults());
        assertThat(c.unixAttestor()).isEqualTo(new UnixAttestor.Config(false, 256L * 1024 * 1024));
    }

    @Test
    void unixAttestorBlockIsParsed() {
        AgentConfig c = parse(MINIMAL + """
                workload_attestor "unix" {
                  discover_workload_path = true
                }
                """);
        assertThat(c.unixAttestor().discoverWorkloadPath()).isTrue();
        assertThat(c.unixAttestor().workloadSizeLimit()).isEqualTo(UnixAttestor.Config.DEFAULT_WORKLOAD_SIZE_LIMIT);
    }

    @Test
    void flagsOverrideTheFile() {
        AgentConfig c = parse("""
                agent {
                  trust_domain = "file.org"
                  server_address = "file-host"
                  data_dir = "/file/data"
                  join_token = "file-token"
                  trust_bundle_path = "/file/bundle.pem"
                  socket_path = "/file/agent.sock"
                  log_level = "warn"
                }
                """, new AgentConfig.Overrides("flag.org", "flag-host", 2222, "/flag/data", "flag-token", "/flag/bundle.pem",
                false, "/flag/agent.sock", "error"));

        assertThat(c.trustDomain().name()).isEqualTo("flag.org");
        assertThat(c.serverAddress()).isEqualTo("flag-host");
        assertThat(c.serverPort()).isEqualTo(2222);
        assertThat(c.dataDir()).isEqualTo(Path.of("/flag/data"));
        assertThat(c.joinToken()).isEqualTo("flag-token");
        assertThat(c.trustBundlePath()).isEqualTo(Path.of("/flag/bundle.pem"));
        assertThat(c.insecureBootstrap()).isFalse();
        assertThat(c.socketPath()).isEqualTo(Path.of("/flag/agent.sock"));
        assertThat(c.logLevel()).isEqualTo("error");
    }

    @Test
    void flagOverridingANumberOrBooleanKeyOfTheFileIsAccepted() {
        AgentConfig port = parse(MINIMAL.replace("}", "  server_port = 1111\n}"),
                new AgentConfig.Overrides(null, null, 2222, null, null, null, null, null, null));
        assertThat(port.serverPort()).isEqualTo(2222);

        AgentConfig insecure = parse(MINIMAL.replace("}", "  insecure_bootstrap = true\n}"),
                new AgentConfig.Overrides(null, null, null, null, null, null, false, null, null));
        assertThat(insecure.insecureBootstrap()).isFalse();
    }

    @Test
    void missingTrustDomain() {
        assertThat(error("agent {\n  server_address = \"h\"\n}\n")).startsWith("agent.trust_domain: is required");
        assertThat(error("")).startsWith("agent.trust_domain: is required");
    }

    @Test
    void invalidTrustDomain() {
        assertThat(error(MINIMAL.replace("example.org", "Example.Org"))).startsWith("agent.trust_domain: ");
        assertThat(error(MINIMAL.replace("\"example.org\"", "\"spiffe://example.org\""))).startsWith("agent.trust_domain: ");
    }

    @Test
    void missingServerAddress() {
        assertThat(error("agent {\n  trust_domain = \"example.org\"\n}\n")).startsWith("agent.server_address: is required");
        assertThat(error("agent {\n  trust_domain = \"example.org\"\n  server_address = \"  \"\n}\n"))
                .startsWith("agent.server_address: is required");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0      | agent.server_port: must be between 1 and 65535, got 0",
        "65536  | agent.server_port: must be between 1 and 65535, got 65536",
        "-1     | agent.server_port: must be between 1 and 65535, got -1",
        "\"http\" | agent.server_port: expected an integer, got \"http\"",
        "80.5   | agent.server_port: expected an integer, got 80.5"})
    void serverPortIsChecked(String value, String message) {
        assertThat(error(MINIMAL.replace("}", "  server_port = " + value + "\n}"))).isEqualTo(message);
    }

    @Test
    void serverPortBoundsAreInclusive() {
        assertThat(parse(MINIMAL.replace("}", "  server_port = 1\n}")).serverPort()).isEqualTo(1);
        assertThat(parse(MINIMAL.replace("}", "  server_port = 65535\n}")).serverPort()).isEqualTo(65535);
        assertThat(error(MINIMAL, new AgentConfig.Overrides(null, null, 0, null, null, null, null, null, null)))
                .isEqualTo("agent.server_port: must be between 1 and 65535, got 0");
    }

    @Test
    void insecureBootstrapAndTrustBundleTogetherAreRefused() {
        String both = MINIMAL.replace("}", "  insecure_bootstrap = true\n  trust_bundle_path = \"/b.pem\"\n}");
        assertThat(error(both)).startsWith("agent.insecure_bootstrap: cannot be combined with trust_bundle_path");

        // Also when one of them comes from a flag.
        String bundleOnly = MINIMAL.replace("}", "  trust_bundle_path = \"/b.pem\"\n}");
        assertThat(error(bundleOnly, new AgentConfig.Overrides(null, null, null, null, null, null, true, null, null)))
                .startsWith("agent.insecure_bootstrap: cannot be combined with trust_bundle_path");
        String insecureOnly = MINIMAL.replace("}", "  insecure_bootstrap = true\n}");
        assertThat(error(insecureOnly, new AgentConfig.Overrides(null, null, null, null, null, "/b.pem", null, null, null)))
                .startsWith("agent.insecure_bootstrap: cannot be combined with trust_bundle_path");
    }

    @Test
    void insecureBootstrapMustBeABoolean() {
        assertThat(error(MINIMAL.replace("}", "  insecure_bootstrap = \"yes\"\n}")))
                .isEqualTo("agent.insecure_bootstrap: expected true or false, got \"yes\"");
    }

    @Test
    void logLevelIsChecked() {
        assertThat(error(MINIMAL.replace("}", "  log_level = \"verbose\"\n}")))
                .startsWith("agent.log_level: must be one of trace, debug, info, warn, error; got \"verbose\"");
    }

    @Test
    void unknownKeysAndBlocksAreRefusedByName() {
        assertThat(error(MINIMAL.replace("}", "  server_adress = \"typo\"\n}"))).isEqualTo("agent.server_adress: unknown configuration key");
        assertThat(error(MINIMAL + "server {\n  trust_domain = \"x\"\n}\n")).isEqualTo("server: unknown configuration key");
        assertThat(error(MINIMAL + "workload_attestor \"podman\" {\n  x = 1\n}\n"))
                .startsWith("workload_attestor.podman: unknown workload attestor (built in: [unix");
        assertThat(error(MINIMAL + "node_attestor \"tpm\" {\n  x = 1\n}\n")).startsWith("node_attestor.tpm: unknown node attestor");
        assertThat(error(MINIMAL + "workload_attestor \"unix\" {\n  discover_path = true\n}\n"))
                .isEqualTo("workload_attestor.unix.discover_path: unknown configuration key");
    }

    @Test
    void unixAttestorValuesAreChecked() {
        assertThat(error(MINIMAL + "workload_attestor \"unix\" {\n  discover_workload_path = \"maybe\"\n}\n"))
                .isEqualTo("workload_attestor.unix.discover_workload_path: expected true or false, got \"maybe\"");
        assertThat(error(MINIMAL + "workload_attestor \"unix\" {\n  workload_size_limit = \"1MB\"\n}\n"))
                .startsWith("workload_attestor.unix.workload_size_limit: expected a whole number of bytes");
    }

    @Test
    void toStringRedactsTheJoinToken() {
        AgentConfig c = parse(MINIMAL.replace("}", "  join_token = \"s3cr3t-token\"\n}"));
        assertThat(c.toString()).doesNotContain("s3cr3t-token").contains("joinToken=(set)");
        assertThatThrownBy(() -> parse("agent {")).isInstanceOf(ConfigException.class).hasMessageStartingWith("agent.hcl: malformed HCL");
    }
}
