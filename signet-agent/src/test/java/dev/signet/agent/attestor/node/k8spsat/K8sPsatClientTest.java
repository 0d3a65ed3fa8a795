package dev.signet.agent.attestor.node.k8spsat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.signet.agent.attestor.node.NodeAttestorClient;
import dev.signet.agent.attestor.node.NodeAttestorClients;
import dev.signet.agent.config.AgentConfig;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The k8s_psat node attestor, agent side: its configuration and the payload it reads fresh from the token file. */
class K8sPsatClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static NodeAttestorClient fromAgentHcl(String attestorBody) {
        String hcl = "agent {\n trust_domain = \"example.org\"\n server_address = \"127.0.0.1\"\n insecure_bootstrap = true\n}\n"
                + "node_attestor \"k8s_psat\" {\n" + attestorBody + "\n}\n";
        return NodeAttestorClients.create(AgentConfig.fromHcl(ConfigBlock.parse("agent.hcl", hcl), AgentConfig.Overrides.none()));
    }

    @Test
    void payloadCarriesTheClusterAndTheTokenReadAtEachAttestation() throws Exception {
        Path token = dir.resolve("signet-agent");
        Files.writeString(token, "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJhIn0.c2ln\n");
        NodeAttestorClient c = fromAgentHcl("cluster = \"prod-cluster\"\n token_path = \"" + token + "\"");
        assertThat(c).isInstanceOf(K8sPsatClient.class);
        assertThat(c.name()).isEqualTo("k8s_psat");

        JsonNode p = JSON.readTree(c.payload());
        assertThat(p.get("cluster").asText()).isEqualTo("prod-cluster");
        assertThat(p.get("token").asText()).isEqualTo("eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJhIn0.c2ln");
        assertThat(p.size()).isEqualTo(2);

        // The kubelet rotates the token in place: the next attestation sends the new one.
        Files.writeString(token, "eyJhbGciOiJSUzI1NiIsImtpZCI6IjIifQ.eyJzdWIiOiJiIn0.bmV3");
        assertThat(JSON.readTree(c.payload()).get("token").asText()).isEqualTo("eyJhbGciOiJSUzI1NiIsImtpZCI6IjIifQ.eyJzdWIiOiJiIn0.bmV3");
    }

    @Test
    void defaultTokenPathIsTheProjectedVolume() {
        K8sPsatClient c = (K8sPsatClient) fromAgentHcl("cluster = \"c1\"");
        assertThat(c.tokenPath()).isEqualTo(Path.of("/var/run/secrets/tokens/signet-agent"));
        assertThat(c.cluster()).isEqualTo("c1");
    }

    @Test
    void missingEmptyOrUnreadableTokenFileIsAClearError() throws Exception {
        Path token = dir.resolve("tok");
        K8sPsatClient c = new K8sPsatClient("c1", token);
        assertThatThrownBy(c::payload).isInstanceOf(IOException.class)
                .hasMessage("k8s_psat: service account token file " + token + " does not exist (mount a projected service account"
                        + " token there, or set token_path)");
        Files.writeString(token, " \n");
        assertThatThrownBy(c::payload).isInstanceOf(IOException.class)
                .hasMessage("k8s_psat: service account token file " + token + " is empty");
        Files.writeString(token, "x".repeat(K8sPsatClient.MAX_TOKEN_CHARS + 1));
        assertThatThrownBy(c::payload).isInstanceOf(IOException.class).hasMessageContaining("k8s_psat: ").hasMessageContaining(token.toString());
        Files.delete(token);
        Files.createDirectory(token);
        assertThatThrownBy(c::payload).isInstanceOf(IOException.class)
                .hasMessageStartingWith("k8s_psat: cannot read service account token file " + token);
    }

    @Test
    void configErrorsNameTheKey() {
        assertThatThrownBy(() -> fromAgentHcl("token_path = \"/t\"")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("node_attestor.k8s_psat.cluster: is required");
        assertThatThrownBy(() -> fromAgentHcl("cluster = \"a/b\"")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("node_attestor.k8s_psat.cluster: \"a/b\" becomes part of the agent ID");
        assertThatThrownBy(() -> fromAgentHcl("cluster = \"c\"\n token = \"/t\"")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("node_attestor.k8s_psat.token: unknown configuration key");
        assertThatThrownBy(() -> fromAgentHcl("cluster = \"c\"\n token_path = \"\"")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("node_attestor.k8s_psat.token_path: must not be empty");
    }
}
