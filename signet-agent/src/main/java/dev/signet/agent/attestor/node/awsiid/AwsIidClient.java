package dev.signet.agent.attestor.node.awsiid;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.signet.agent.attestor.node.NodeAttestorClient;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code aws_iid} node attestor, agent side: reads the instance identity document and its RSA-2048 PKCS#7
 * signature over IMDSv2 and sends {@code {"document": "<document text>", "signature": "<rsa2048 base64>"}}.
 * The document is sent byte for byte as IMDS served it, since the server compares it with the signed content.
 */
public final class AwsIidClient implements NodeAttestorClient {
    public static final String NAME = "aws_iid";
    static final String DEFAULT_ENDPOINT = "http://169.254.169.254";
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    static final String DOCUMENT_PATH = "/latest/dynamic/instance-identity/document";
    static final String SIGNATURE_PATH = "/latest/dynamic/instance-identity/rsa2048";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ImdsClient imds;

    AwsIidClient(URI endpoint, Duration timeout) {
        this.imds = new ImdsClient(endpoint, timeout);
    }

    /**
     * Reads a {@code node_attestor "aws_iid" { imds_endpoint = "http://169.254.169.254", imds_timeout = "5s" }} block.
     *
     * @throws ConfigException naming the key that is invalid
     */
    public static AwsIidClient fromConfig(ConfigBlock b) {
        String endpoint = b.string("imds_endpoint", DEFAULT_ENDPOINT);
        Duration timeout = b.duration("imds_timeout", DEFAULT_TIMEOUT);
        b.rejectUnknownKeys();
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            throw b.invalid("imds_endpoint", "\"" + endpoint + "\" is not a URL: " + e.getMessage());
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                || !(uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/"))
                || uri.getQuery() != null) {
            throw b.invalid("imds_endpoint", "\"" + endpoint + "\": expected http://<host>[:<port>], e.g. " + DEFAULT_ENDPOINT);
        }
        if (timeout.isZero() || timeout.isNegative() || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
            throw b.invalid("imds_timeout", "must be between 1ms and 1m");
        }
        return new AwsIidClient(uri, timeout);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public byte[] payload() throws IOException {
        String token = imds.token();
        String document = imds.get(DOCUMENT_PATH, token);
        String signature = imds.get(SIGNATURE_PATH, token).trim();
        if (document.isBlank()) {
            throw new IOException(NAME + ": the instance metadata service at " + imds.endpoint() + " returned an empty identity document");
        }
        if (signature.isEmpty()) {
            throw new IOException(NAME + ": the instance metadata service at " + imds.endpoint() + " returned an empty rsa2048 signature");
        }
        Map<String, String> payload = new LinkedHashMap<>();
        payload.put("document", document);
        payload.put("signature", signature);
        return JSON.writeValueAsString(payload).getBytes(StandardCharsets.UTF_8);
    }
}
