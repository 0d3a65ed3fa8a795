package dev.signet.server.attestation.k8spsat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.text.ParseException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The three Kubernetes API calls {@code k8s_psat} needs, over HTTPS that trusts only the cluster's CA, with the
 * server's own bearer token: create a TokenReview, get a pod, get a node. Every failure to get a usable answer
 * (network, TLS, timeout, 401/403, 5xx, a body that isn't the expected JSON) is a {@link KubeApiException}; a
 * missing pod or node is an empty result, since that is an answer about the agent, not about the API.
 */
final class KubernetesApi {
    /** Names Kubernetes allows for namespaces, pods and nodes (DNS-1123 subdomains): safe as URL path segments. */
    static final Pattern OBJECT_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    private static final int MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final String cluster;
    private final URI base;
    private final BearerToken token;
    private final HttpClient http;
    private final Duration timeout;

    /** A TokenReview's status. {@code error} is the API server's explanation when not authenticated. */
    record TokenReview(boolean authenticated, String username, List<String> audiences, Map<String, List<String>> extra, String error) {}

    record Pod(String namespace, String name, String uid, String nodeName, String hostIp, Map<String, String> labels) {}

    record Node(String name, String uid, Map<String, String> labels) {}

    /** The API could not give an answer: nothing is known about the agent, it may retry. */
    static final class KubeApiException extends Exception {
        private static final long serialVersionUID = 1L;

        KubeApiException(String message) {
            super(message);
        }
    }

    /**
     * @param base the API server's URL, e.g. {@code https://10.96.0.1:443}, optionally with a path prefix
     * @param trusted the CA certificates the API server's certificate must chain to
     */
    KubernetesApi(String cluster, URI base, List<X509Certificate> trusted, BearerToken token, Duration timeout) {
        this.cluster = cluster;
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
        this.token = token;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .sslContext(sslContext(trusted))
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    private static SSLContext sslContext(List<X509Certificate> trusted) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int i = 0;
            for (X509Certificate c : trusted) {
                ks.setCertificateEntry("ca-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS trusting the Kubernetes CA: " + e.getMessage(), e);
        }
    }

    URI base() {
        return base;
    }

    /** {@code POST /apis/authentication.k8s.io/v1/tokenreviews}. */
    TokenReview reviewToken(String bearer, List<String> audiences) throws KubeApiException {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("token", bearer);
        spec.put("audiences", audiences);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("apiVersion", "authentication.k8s.io/v1");
        body.put("kind", "TokenReview");
        body.put("spec", spec);
        HttpRequest req = request("/apis/authentication.k8s.io/v1/tokenreviews")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8))
                .build();
        Map<String, Object> json = call(req, "create tokenreviews").orElseThrow(() ->
                new KubeApiException(describe("create tokenreviews") + ": HTTP 404 (is this a Kubernetes API server?)"));
        try {
            if (!"TokenReview".equals(Json.string(json, "kind"))) {
                throw new ParseException("kind is not TokenReview", 0);
            }
            Map<String, Object> status = Json.object(json, "status");
            Map<String, Object> user = Json.object(status, "user");
            return new TokenReview(Json.bool(status, "authenticated"), Json.string(user, "username"),
                    Json.strings(status, "audiences"), Json.stringListMap(user, "extra"), Json.string(status, "error"));
        } catch (ParseException e) {
            throw malformed("create tokenreviews", e);
        }
    }

    /** {@code GET /api/v1/namespaces/<ns>/pods/<name>}; empty if there is no such pod. */
    Optional<Pod> pod(String namespace, String name) throws KubeApiException {
        requireName(namespace);
        requireName(name);
        String what = "get pod " + namespace + "/" + name;
        Optional<Map<String, Object>> json = call(request("/api/v1/namespaces/" + namespace + "/pods/" + name).GET().build(), what);
        if (json.isEmpty()) {
            return Optional.empty();
        }
        try {
            Map<String, Object> meta = Json.object(json.get(), "metadata");
            return Optional.of(new Pod(Json.string(meta, "namespace"), Json.string(meta, "name"), Json.string(meta, "uid"),
                    Json.string(Json.object(json.get(), "spec"), "nodeName"), Json.string(Json.object(json.get(), "status"), "hostIP"),
                    Json.stringMap(meta, "labels")));
        } catch (ParseException e) {
            throw malformed(what, e);
        }
    }

    /** {@code GET /api/v1/nodes/<name>}; empty if there is no such node. */
    Optional<Node> node(String name) throws KubeApiException {
        requireName(name);
        String what = "get node " + name;
        Optional<Map<String, Object>> json = call(request("/api/v1/nodes/" + name).GET().build(), what);
        if (json.isEmpty()) {
            return Optional.empty();
        }
        try {
            Map<String, Object> meta = Json.object(json.get(), "metadata");
            return Optional.of(new Node(Json.string(meta, "name"), Json.string(meta, "uid"), Json.stringMap(meta, "labels")));
        } catch (ParseException e) {
            throw malformed(what, e);
        }
    }

    private static void requireName(String name) {
        if (name == null || !OBJECT_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a Kubernetes object name: \"" + name + "\"");
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path))
                .timeout(timeout)
                .header("Accept", "application/json")
                .header("Authorization", "Bearer " + token.get());
    }

    private String describe(String what) {
        return "Kubernetes API of cluster \"" + cluster + "\" (" + base + "), " + what;
    }

    private KubeApiException malformed(String what, ParseException e) {
        return new KubeApiException(describe(what) + ": unexpected response: " + e.getMessage());
    }

    /** Sends the request; the JSON object of a 2xx answer, empty for 404, else a {@link KubeApiException}. */
    private Optional<Map<String, Object>> call(HttpRequest req, String what) throws KubeApiException {
        HttpResponse<InputStream> resp;
        byte[] body;
        try {
            resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = resp.body()) {
                body = in.readNBytes(MAX_RESPONSE_BYTES + 1);
            }
        } catch (HttpTimeoutException e) {
            throw new KubeApiException(describe(what) + ": no answer within " + timeout.toSeconds() + "s");
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new KubeApiException(describe(what) + ": cannot reach it: " + msg);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KubeApiException(describe(what) + ": interrupted");
        }
        if (body.length > MAX_RESPONSE_BYTES) {
            throw new KubeApiException(describe(what) + ": response larger than " + MAX_RESPONSE_BYTES + " bytes");
        }
        int code = resp.statusCode();
        if (code == 404) {
            return Optional.empty();
        }
        String text = new String(body, StandardCharsets.UTF_8);
        if (code == 401) {
            token.invalidate();
            throw new KubeApiException(describe(what) + ": HTTP 401, the API server refused the server's own token"
                    + " (kube_token_path)" + statusMessage(text));
        }
        if (code == 403) {
            throw new KubeApiException(describe(what) + ": HTTP 403, the server's service account may not " + what
                    + " (see the RBAC rules in docs/attestors/k8s_psat.md)" + statusMessage(text));
        }
        if (code < 200 || code > 299) {
            throw new KubeApiException(describe(what) + ": HTTP " + code + statusMessage(text));
        }
        String type = resp.headers().firstValue("Content-Type").orElse("");
        if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new KubeApiException(describe(what) + ": expected application/json, got \"" + type + "\"");
        }
        try {
            return Optional.of(Json.parse(text, MAX_RESPONSE_BYTES));
        } catch (ParseException e) {
            throw new KubeApiException(describe(what) + ": response is not a JSON object");
        }
    }

    /** The {@code message} of a Kubernetes {@code Status} body, if that's what the body is. */
    private static String statusMessage(String body) {
        try {
            Map<String, Object> s = Json.parse(body, MAX_RESPONSE_BYTES);
            String m = Json.string(s, "message");
            if (m != null && !m.isBlank()) {
                return ": " + (m.length() > 300 ? m.substring(0, 300) + "…" : m);
            }
        } catch (ParseException e) {
            // not a Status object
        }
        return "";
    }
}
