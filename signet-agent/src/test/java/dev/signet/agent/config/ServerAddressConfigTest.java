package dev.signet.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.agent.client.ServerAddress;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import org.junit.jupiter.api.Test;

/** {@code server_address} with several servers: list, comma-separated string, host:port, the flag, and errors naming the key. */
class ServerAddressConfigTest {
    private static AgentConfig parse(String serverAddressHcl, AgentConfig.Overrides o) {
        return AgentConfig.fromHcl(ConfigBlock.parse("agent.hcl", """
                agent {
                  trust_domain = "example.org"
                  %s
                  server_port = 9081
                }
                """.formatted(serverAddressHcl)), o);
    }

    private static AgentConfig parse(String serverAddressHcl) {
        return parse(serverAddressHcl, AgentConfig.Overrides.none());
    }

    private static String error(String serverAddressHcl, AgentConfig.Overrides o) {
        return org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> parse(serverAddressHcl, o)).getMessage();
    }

    private static AgentConfig.Overrides flag(String serverAddress) {
        return new AgentConfig.Overrides(null, serverAddress, null, null, null, null, null, null, null);
    }

    @Test
    void oneAddressKeepsServerPort() {
        assertThat(parse("server_address = \"signet.example\"").servers()).containsExactly(new ServerAddress("signet.example", 9081));
    }

    @Test
    void aListOfAddressesWithAndWithoutPorts() {
        AgentConfig c = parse("server_address = [\"a.example:8443\", \"b.example\", \"[2001:db8::7]:7000\"]");
        assertThat(c.servers()).containsExactly(new ServerAddress("a.example", 8443), new ServerAddress("b.example", 9081),
                new ServerAddress("2001:db8::7", 7000));
        assertThat(c.toString()).contains("a.example:8443").contains("b.example");
    }

    @Test
    void aCommaSeparatedString() {
        assertThat(parse("server_address = \"a.example:8443, b.example\"").servers())
                .containsExactly(new ServerAddress("a.example", 8443), new ServerAddress("b.example", 9081));
    }

    @Test
    void theFlagTakesSeveralAndReplacesTheFilesList() {
        AgentConfig c = parse("server_address = [\"a.example\", \"b.example\"]", flag("c.example:1,d.example"));
        assertThat(c.servers()).containsExactly(new ServerAddress("c.example", 1), new ServerAddress("d.example", 9081));
    }

    @Test
    void errorsNameTheKeyAndTheAddress() {
        assertThat(error("server_address = [\"a.example\", \"b.example:http\"]", AgentConfig.Overrides.none()))
                .isEqualTo("agent.server_address: \"b.example:http\": port must be a number between 1 and 65535");
        assertThat(error("server_address = \"a.example,,b.example\"", AgentConfig.Overrides.none()))
                .startsWith("agent.server_address: empty address");
        assertThat(error("server_address = [\"a.example\", \"a.example:9081\"]", AgentConfig.Overrides.none()))
                .isEqualTo("agent.server_address: \"a.example:9081\" is listed twice");
        assertThat(error("server_address = [\"a.example\", 7]", AgentConfig.Overrides.none()))
                .startsWith("agent.server_address: expected a list of strings");
        assertThat(error("server_address = []", AgentConfig.Overrides.none())).startsWith("agent.server_address: is required");
        assertThat(error("server_address = \"a.example\"", flag("b.example:0")))
                .isEqualTo("--server-address: \"b.example:0\": port must be between 1 and 65535, got 0");
    }
}
