package dev.signet.agent.attestor.node.k8spsat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.signet.agent.attestor.node.NodeAttestorClient;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.spiffeid.SpiffeId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sends the cluster name and the pod's projected service-account token. Configured with
 * {@code node_attestor "k8s_psat" { cluster = "prod-cluster", token_path = "..." }}.
 */
public final class K8sPsatClient implements NodeAttestorClient {
    public static final String NAME = "k8s_psat";
    public static final String DEFAULT_TOKEN_PATH = "/var/run/secrets/tokens/signet-agent";
    /** Longest token sent (the server refuses longer ones); projected tokens are around 1 KiB. */
    static final int MAX_TOKEN_CHARS = 16 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String cluster;
    private final Path tokenPath;

    public K8sPsatClient(String cluster, Path tokenPath) {
        this.cluster = cluster;
        this.tokenPath = tokenPath;
    }

    /**
     * From the agent's {@code node_attestor "k8s_psat"} block.
     *
     * @throws dev.signet.core.config.ConfigException naming the key that is missing or wrong
     */
    public static K8sPsatClient fromConfig(ConfigBlock block) {
        String cluster = block.string("cluster", null);
        String tokenPath = block.string("token_path", DEFAULT_TOKEN_PATH);
        block.rejectUnknownKeys();
        if (cluster == null || cluster.isBlank()) {
            throw block.invalid("cluster", "is required: the name the server knows this Kubernetes cluster by");
        }
        String problem = SpiffeId.segmentProblem(cluster);
        if (problem != null) {
            throw block.invalid("cluster", "\"" + cluster + "\" becomes part of the agent ID and must be a valid path segment: " + problem);
        }
        if (tokenPath.isBlank()) {
            throw block.invalid("token_path", "must not be empty");
        }
        return new K8sPsatClient(cluster, Path.of(tokenPath));
    }

    @Override
    public String name() {
        return NAME;
    }

    public String cluster() {
        return cluster;
    }

    public Path tokenPath() {
        return tokenPath;
    }

    /** Reads the token file now (it is rotated by the kubelet) and wraps it with the cluster name. */
    @Override
    public byte[] payload() throws IOException {
        String token;
        try {
            token = Files.readString(tokenPath, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            throw new IOException(NAME + ": service account token file " + tokenPath + " does not exist (mount a projected"
                    + " service account token there, or set token_path)");
        } catch (AccessDeniedException e) {
            throw new IOException(NAME + ": service account token file " + tokenPath + " is not readable by this process");
        } catch (IOException e) {
            throw new IOException(NAME + ": cannot read service account token file " + tokenPath + ": " + e.getMessage(), e);
        }
        if (token.isEmpty()) {
            throw new IOException(NAME + ": service account token file " + tokenPath + " is empty");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new IOException(NAME + ": service account token file " + tokenPath + " holds more than " + MAX_TOKEN_CHARS
                    + " characters; is it a token?");
        }
        Map<String, String> payload = new LinkedHashMap<>();
        payload.put("cluster", cluster);
        payload.put("token", token);
        return JSON.writeValueAsBytes(payload);
    }
}
