package dev.signet.agent.attestor.workload.k8s;

import dev.signet.core.config.ConfigBlock;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The {@code workload_attestor "k8s" { ... }} block. Keys as SPIRE's k8s workload attestor, plus
 * {@code kubelet_url}.
 *
 * @param kubeletUrl base URL of the kubelet ({@code /pods} is appended)
 * @param verifyName the name the kubelet's serving certificate must be issued for (a DNS name or an IP)
 * @param caPath PEM CA certificates to verify the kubelet with (unused when skipping verification or over HTTP)
 * @param skipVerification accept any kubelet certificate
 * @param tokenPath the service-account token sent as {@code Authorization: Bearer}, or null (client
 *     certificate or read-only port)
 * @param certificatePath client certificate chain (PEM), or null
 * @param privateKeyPath its private key (PEM: PKCS#8, PKCS#1 or SEC 1), or null
 * @param maxPollAttempts how many pod lists are looked at before giving up on a caller's pod
 * @param pollRetryInterval the least time between two fetches of the pod list
 */
public record K8sConfig(
        URI kubeletUrl,
        String verifyName,
        Path caPath,
        boolean skipVerification,
        Path tokenPath,
        Path certificatePath,
        Path privateKeyPath,
        int maxPollAttempts,
        Duration pollRetryInterval) {
    public static final int DEFAULT_SECURE_PORT = 10250;
    public static final Path DEFAULT_TOKEN_PATH = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");
    public static final Path DEFAULT_CA_PATH = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt");
    public static final int DEFAULT_MAX_POLL_ATTEMPTS = 60;
    public static final Duration DEFAULT_POLL_RETRY_INTERVAL = Duration.ofMillis(500);
    /** How often the token, CA and client certificate files are re-read (the token rotates). */
    public static final Duration RELOAD_INTERVAL = Duration.ofMinutes(1);
    /** Timeout of one kubelet request. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    public boolean plainHttp() {
        return kubeletUrl.getScheme().equals("http");
    }

    /**
     * Reads the block; unknown keys and contradictions are errors naming the key.
     *
     * @param env the environment ({@code MY_NODE_NAME})
     * @param hostname this machine's host name, what the kubelet certificate is checked against when neither
     *     {@code node_name} nor {@code kubelet_url} is set (as SPIRE)
     */
    public static K8sConfig from(ConfigBlock block, Map<String, String> env, String hostname) {
        boolean hasSecure = block.has("kubelet_secure_port");
        int securePort = block.integer("kubelet_secure_port", DEFAULT_SECURE_PORT);
        int readOnlyPort = block.integer("kubelet_read_only_port", 0);
        String nodeName = block.string("node_name", null);
        if (nodeName == null || nodeName.isBlank()) {
            nodeName = env.get("MY_NODE_NAME");
        }
        if (nodeName != null && nodeName.isBlank()) {
            nodeName = null;
        }
        String url = block.string("kubelet_url", null);
        Path caPath = path(block, "kubelet_ca_path", DEFAULT_CA_PATH);
        boolean skip = block.bool("skip_kubelet_verification", false);
        Path tokenPath = path(block, "token_path", null);
        Path certPath = path(block, "certificate_path", null);
        Path keyPath = path(block, "private_key_path", null);
        int attempts = block.integer("max_poll_attempts", DEFAULT_MAX_POLL_ATTEMPTS);
        Duration interval = block.duration("poll_retry_interval", DEFAULT_POLL_RETRY_INTERVAL);
        block.rejectUnknownKeys();

        if (securePort < 1 || securePort > 65535) {
            throw block.invalid("kubelet_secure_port", "must be a port number (1..65535), got " + securePort);
        }
        if (readOnlyPort < 0 || readOnlyPort > 65535) {
            throw block.invalid("kubelet_read_only_port", "must be a port number (1..65535), got " + readOnlyPort);
        }
        if (readOnlyPort > 0 && hasSecure) {
            throw block.invalid("kubelet_read_only_port", "cannot be combined with kubelet_secure_port: choose one");
        }
        if (attempts < 1) {
            throw block.invalid("max_poll_attempts", "must be at least 1, got " + attempts);
        }
        if (interval.isNegative() || interval.isZero()) {
            throw block.invalid("poll_retry_interval", "must be positive, got " + interval);
        }
        if ((certPath == null) != (keyPath == null)) {
            throw block.invalid(certPath == null ? "certificate_path" : "private_key_path",
                    "certificate_path and private_key_path go together: set both or neither");
        }
        if (certPath != null && tokenPath != null) {
            throw block.invalid("token_path", "cannot be combined with certificate_path: choose one way to authenticate");
        }

        URI base;
        String verifyName;
        if (url != null) {
            if (readOnlyPort > 0 || hasSecure) {
                throw block.invalid("kubelet_url", "cannot be combined with kubelet_secure_port or kubelet_read_only_port");
            }
            try {
                base = new URI(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            } catch (URISyntaxException e) {
                throw block.invalid("kubelet_url", "not a URL: " + e.getMessage());
            }
            if (!"https".equals(base.getScheme()) && !"http".equals(base.getScheme()) || base.getHost() == null) {
                throw block.invalid("kubelet_url", "expected http(s)://HOST[:PORT], got \"" + url + "\"");
            }
            verifyName = nodeName != null ? nodeName : base.getHost();
        } else if (readOnlyPort > 0) {
            base = URI.create("http://127.0.0.1:" + readOnlyPort);
            verifyName = null;
        } else {
            String host = nodeName != null ? nodeName : "127.0.0.1";
            base = URI.create("https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + securePort);
            verifyName = nodeName != null ? nodeName : hostname;
        }
        boolean http = base.getScheme().equals("http");
        if (http && (certPath != null || tokenPath != null)) {
            throw block.invalid(certPath != null ? "certificate_path" : "token_path", "is not sent over plain HTTP (read-only port)");
        }
        if (!http && certPath == null && tokenPath == null) {
            tokenPath = DEFAULT_TOKEN_PATH;
        }
        return new K8sConfig(base, verifyName, caPath, skip, tokenPath, certPath, keyPath, attempts, interval);
    }

    private static Path path(ConfigBlock block, String key, Path def) {
        String s = block.string(key, null);
        if (s == null) {
            return def;
        }
        if (s.isBlank()) {
            throw block.invalid(key, "is empty");
        }
        return Path.of(s);
    }
}
