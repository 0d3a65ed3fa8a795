package dev.signet.agent.endpoints.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.signet.agent.intention.IntentionCache;
import dev.signet.core.consul.BlockingIndex;
import dev.signet.core.consul.ConsulRoots;
import dev.signet.core.intention.Caller;
import dev.signet.core.intention.Decision;
import dev.signet.core.intention.IntentionDestination;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Pem;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 server on the loopback interface serving Consul's agent endpoints from local state:
 * <ul>
 *   <li>{@code GET /v1/agent/connect/ca/roots} — {@code {ActiveRootID, TrustDomain, Roots[]}}; with
 *       {@code ?pem=true} the concatenated PEM roots ({@code application/pem-certificate-chain});</li>
 *   <li>{@code POST /v1/agent/connect/authorize} — body {@code {Target, ClientCertURI, ClientCertSerial, Namespace?}},
 *       answer {@code {Authorized, Reason}} from the synced intentions.</li>
 * </ul>
 * Errors are plain text with Consul's status codes: 400 bad request, 404 unknown path, 405 wrong method.
 * Like Consul's, the authorize endpoint trusts that the caller already verified the client certificate chain.
 */
public final class AgentHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentHttpServer.class);
    static final String ROOTS = "/v1/agent/connect/ca/roots";
    static final String AUTHORIZE = "/v1/agent/connect/authorize";
    private static final int MAX_BODY = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final TrustDomain trustDomain;
    private final Supplier<List<X509Certificate>> roots;
    private final Supplier<X509Certificate> signedByActive;
    private final IntentionCache intentions;
    private final Clock clock;
    private final BlockingIndex index;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "signet-agent-http-wait");
        t.setDaemon(true);
        return t;
    });

    private AgentHttpServer(HttpServer server, TrustDomain trustDomain, Supplier<List<X509Certificate>> roots,
            Supplier<X509Certificate> signedByActive, IntentionCache intentions, BlockingIndex index, Clock clock) {
        this.server = server;
        this.index = index;
        this.trustDomain = trustDomain;
        this.roots = roots;
        this.signedByActive = signedByActive;
        this.intentions = intentions;
        this.clock = clock;
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "signet-agent-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    /**
     * Listens on 127.0.0.1:{@code port} (0: any free port).
     *
     * @param roots the trust bundle's X.509 authorities, read per request
     * @param signedByActive a certificate issued by the active root (the agent's own SVID), to tell which root is
     *     active while a prepared successor is already in the bundle; null or returning null: the newest valid root
     */
    public static AgentHttpServer start(int port, TrustDomain trustDomain, Supplier<List<X509Certificate>> roots,
            Supplier<X509Certificate> signedByActive, IntentionCache intentions, Clock clock) throws IOException {
        return start(port, trustDomain, roots, signedByActive, intentions, new BlockingIndex(), clock);
    }

    /**
     * As above, with the roots endpoint's blocking-query index: the bundle sequence number, advanced by the
     * caller on every bundle change ({@link BlockingIndex#advanceTo}).
     */
    public static AgentHttpServer start(int port, TrustDomain trustDomain, Supplier<List<X509Certificate>> roots,
            Supplier<X509Certificate> signedByActive, IntentionCache intentions, BlockingIndex bundleIndex, Clock clock)
            throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        AgentHttpServer h = new AgentHttpServer(s, trustDomain, roots, signedByActive, intentions, bundleIndex, clock);
        s.start();
        return h;
    }

    /** The bound port (useful when started with 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        if (ex.getRequestURI().getPath().equals(ROOTS) && (ex.getRequestMethod().equals("GET") || ex.getRequestMethod().equals("HEAD"))) {
            blockingRoots(ex);
            return;
        }
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            switch (path) {
                case ROOTS -> {
                    if (!method.equals("GET") && !method.equals("HEAD")) {
                        methodNotAllowed(ex, "GET");
                    } else {
                        roots(ex);
                    }
                }
                case AUTHORIZE -> {
                    if (!method.equals("POST") && !method.equals("PUT")) {
                        methodNotAllowed(ex, "POST");
                    } else {
                        authorize(ex);
                    }
                }
                default -> send(ex, 404, "text/plain; charset=utf-8", "Not found: " + path + "\n");
            }
        } catch (RuntimeException e) {
            log.warn("HTTP {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            try {
                send(ex, 500, "text/plain; charset=utf-8", "internal error: " + e.getMessage() + "\n");
            } catch (IOException | RuntimeException ignored) {
                // headers already sent
            }
        }
    }

    private static void methodNotAllowed(HttpExchange ex, String allowed) throws IOException {
        ex.getResponseHeaders().set("Allow", allowed);
        send(ex, 405, "text/plain; charset=utf-8", "method " + ex.getRequestMethod() + " not allowed (use " + allowed + ")\n");
    }

    /**
     * The roots as a blocking query: {@code X-Consul-Index} is the bundle's sequence number; with
     * {@code ?index=N&wait=D} the answer waits (holding no thread) until the bundle changes or D passes.
     */
    private void blockingRoots(HttpExchange ex) throws IOException {
        long seen;
        Duration wait;
        try {
            seen = BlockingIndex.parseIndex(queryParam(ex.getRequestURI(), "index"));
            wait = BlockingIndex.parseWait(queryParam(ex.getRequestURI(), "wait"));
        } catch (IllegalArgumentException e) {
            try (ex) {
                badRequest(ex, e.getMessage());
            }
            return;
        }
        index.await(seen, wait, timer).whenCompleteAsync((idx, err) -> {
            try (ex) {
                ex.getResponseHeaders().set("X-Consul-Index", Long.toString(index.current()));
                roots(ex);
            } catch (IOException | RuntimeException e) {
                log.warn("HTTP {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
            }
        }, executor);
    }

    private void roots(HttpExchange ex) throws IOException {
        List<X509Certificate> certs = roots.get();
        if (queryFlag(ex.getRequestURI(), "pem")) {
            send(ex, 200, "application/pem-certificate-chain", Pem.encodeCertificates(certs));
            return;
        }
        X509Certificate active = activeRoot(certs);
        JsonNode out = JSON.valueToTree(ConsulRoots.json(trustDomain, certs, active));
        sendJson(ex, 200, out);
    }

    /** The root that issued {@code signedByActive}; otherwise the currently valid root with the latest NotBefore. */
    private X509Certificate activeRoot(List<X509Certificate> certs) {
        return ConsulRoots.activeRoot(certs, signedByActive == null ? null : signedByActive.get(), clock.instant());
    }

    private void authorize(HttpExchange ex) throws IOException {
        JsonNode body;
        try (InputStream in = ex.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            if (bytes.length > MAX_BODY) {
                badRequest(ex, "Request decode failed: body larger than " + MAX_BODY + " bytes");
                return;
            }
            body = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            badRequest(ex, "Request decode failed: " + e.getOriginalMessage());
            return;
        }
        if (body == null || !body.isObject()) {
            badRequest(ex, "Request decode failed: expected a JSON object");
            return;
        }
        String target = text(body, "Target");
        String uri = text(body, "ClientCertURI");
        String namespace = text(body, "Namespace");
        if (target == null || target.isEmpty()) {
            badRequest(ex, "Target service must be specified");
            return;
        }
        if (uri == null || uri.isEmpty()) {
            badRequest(ex, "ClientCertURI must be specified");
            return;
        }
        IntentionDestination dest;
        try {
            dest = IntentionDestination.parse(namespace == null || namespace.isEmpty() || target.contains("/")
                    ? target : namespace + "/" + target);
        } catch (IllegalArgumentException e) {
            badRequest(ex, "Target: " + e.getMessage());
            return;
        }
        if (!dest.isOneService()) {
            badRequest(ex, "Target must be one service, not a wildcard");
            return;
        }
        SpiffeId id;
        try {
            id = SpiffeId.parse(uri);
        } catch (IllegalArgumentException e) {
            badRequest(ex, "ClientCertURI not a valid SPIFFE ID: " + e.getMessage());
            return;
        }
        Decision d = intentions.current().decide(Caller.of(id, trustDomain), dest.namespace(), dest.name());
        ObjectNode out = JSON.createObjectNode();
        out.put("Authorized", d.allowed());
        out.put("Reason", intentions.synced() ? d.reason() : d.reason() + " (no intentions synced from the server yet)");
        sendJson(ex, 200, out);
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static void badRequest(HttpExchange ex, String message) throws IOException {
        send(ex, 400, "text/plain; charset=utf-8", message + "\n");
    }

    private static boolean queryFlag(URI uri, String name) {
        String q = uri.getRawQuery();
        if (q == null) {
            return false;
        }
        for (String kv : q.split("&")) {
            int eq = kv.indexOf('=');
            String k = eq < 0 ? kv : kv.substring(0, eq);
            String v = eq < 0 ? "" : kv.substring(eq + 1);
            if (k.equals(name)) {
                return v.isEmpty() || v.equalsIgnoreCase("true") || v.equals("1");
            }
        }
        return false;
    }

    /** Consul's root ID: the colon-separated hex SHA-1 of the DER certificate. */
    static String fingerprint(X509Certificate c) {
        return ConsulRoots.fingerprint(c);
    }

    /** The value of query parameter {@code name}, or null. */
    private static String queryParam(URI uri, String name) {
        String q = uri.getRawQuery();
        if (q == null) {
            return null;
        }
        for (String kv : q.split("&")) {
            int eq = kv.indexOf('=');
            String k = eq < 0 ? kv : kv.substring(0, eq);
            if (k.equals(name)) {
                return eq < 0 ? "" : java.net.URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        send(ex, status, "application/json", JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body) + "\n");
    }

    private static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        timer.shutdownNow();
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
