package dev.signet.server.catalog;

import com.nimbusds.jose.util.JSONArrayUtils;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.signet.core.consul.BlockingIndex;
import dev.signet.core.consul.ConsulRoots;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Pem;
import dev.signet.server.store.RegisteredService;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's HTTP API in Consul's shapes, read-only (GET/HEAD; anything else is 405):
 * {@code /v1/catalog/services}, {@code /v1/catalog/service/:name}, {@code /v1/catalog/nodes} and
 * {@code /v1/connect/ca/roots} ({@code ?pem=true}: the PEM chain). Every answer carries {@code X-Consul-Index};
 * {@code ?index=N&wait=D} blocks until the index moves past N or D (default 5m, max 10m, plus up to D/16) passes.
 * Waiting requests hold no thread: they are answered from the index's completion or a scheduled timeout.
 * Errors are JSON {@code {"error": "..."}}.
 */
public final class CatalogHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CatalogHttpServer.class);
    private static final String SERVICE_PREFIX = "/v1/catalog/service/";

    private final HttpServer server;
    private final ExecutorService executor;
    private final ScheduledExecutorService timer;
    private final TrustDomain trustDomain;
    private final CatalogView view;
    private final BlockingIndex index;
    private final Supplier<List<X509Certificate>> roots;
    private final Supplier<X509Certificate> activeRoot;
    private final Clock clock;

    private CatalogHttpServer(HttpServer server, TrustDomain trustDomain, CatalogView view, BlockingIndex index,
            Supplier<List<X509Certificate>> roots, Supplier<X509Certificate> activeRoot, Clock clock) {
        this.server = server;
        this.trustDomain = trustDomain;
        this.view = view;
        this.index = index;
        this.roots = roots;
        this.activeRoot = activeRoot;
        this.clock = clock;
        this.executor = Executors.newFixedThreadPool(4, r -> daemon(r, "signet-server-http"));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "signet-server-http-wait"));
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Listens on {@code address:port} (0: any free port).
     *
     * @param activeRoot the certificate of the CA currently signing, read per request
     */
    public static CatalogHttpServer start(String address, int port, TrustDomain trustDomain, CatalogView view,
            BlockingIndex index, Supplier<List<X509Certificate>> roots, Supplier<X509Certificate> activeRoot, Clock clock)
            throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(address, port), 64);
        CatalogHttpServer h = new CatalogHttpServer(s, trustDomain, view, index, roots, activeRoot, clock);
        s.start();
        return h;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** A prepared answer: status, content type and body. */
    private record Answer(int status, String contentType, String body) {}

    private void handle(HttpExchange ex) {
        try {
            String path = ex.getRequestURI().getPath();
            Supplier<Answer> route = route(path, query(ex));
            if (route == null) {
                finish(ex, error(404, "Not found: " + path), null);
                return;
            }
            String method = ex.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET");
                finish(ex, error(405, "method " + method + " not allowed (use GET)"), null);
                return;
            }
            Map<String, String> q = query(ex);
            long seen;
            Duration wait;
            try {
                seen = BlockingIndex.parseIndex(q.get("index"));
                wait = BlockingIndex.parseWait(q.get("wait"));
            } catch (IllegalArgumentException e) {
                finish(ex, error(400, e.getMessage()), null);
                return;
            }
            index.await(seen, wait, timer).whenCompleteAsync((idx, err) -> {
                if (err != null) {
                    finish(ex, error(500, err.toString()), null);
                } else {
                    Answer a;
                    try {
                        a = route.get();
                    } catch (RuntimeException e) {
                        log.warn("HTTP {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
                        a = error(500, "internal error: " + e.getMessage());
                    }
                    finish(ex, a, idx);
                }
            }, executor);
        } catch (RuntimeException e) {
            log.warn("HTTP {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            finish(ex, error(500, "internal error: " + e.getMessage()), null);
        }
    }

    /** The answer for a path, computed when the blocking wait is over; null for an unknown path. */
    private Supplier<Answer> route(String path, Map<String, String> q) {
        switch (path) {
            case "/v1/catalog/services":
                return () -> json(JSONObjectUtils.toJSONString(services(q)));
            case "/v1/catalog/nodes":
                return () -> json(JSONArrayUtils.toJSONString(nodes()));
            case "/v1/connect/ca/roots":
                return () -> roots(q);
            default:
                if (path.startsWith(SERVICE_PREFIX) && path.length() > SERVICE_PREFIX.length()
                        && path.indexOf('/', SERVICE_PREFIX.length()) < 0) {
                    String name = path.substring(SERVICE_PREFIX.length());
                    return () -> json(JSONArrayUtils.toJSONString(service(name, q)));
                }
                return null;
        }
    }

    private Map<String, Object> services(Map<String, String> q) {
        Map<String, TreeSet<String>> tags = new TreeMap<>();
        for (CatalogView.ServiceState s : view.services()) {
            var d = s.service().definition();
            if (matches(q.get("ns"), d.namespace()) && matches(q.get("partition"), d.partition()) && matches(q.get("dc"), d.datacenter())) {
                tags.computeIfAbsent(d.name(), k -> new TreeSet<>()).addAll(d.tags());
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        tags.forEach((k, v) -> out.put(k, new ArrayList<>(v)));
        return out;
    }

    private static boolean matches(String wanted, String actual) {
        return wanted == null || wanted.isEmpty() || wanted.equals(actual);
    }

    private List<Object> service(String name, Map<String, String> q) {
        List<Object> out = new ArrayList<>();
        for (CatalogView.ServiceState s : view.services(name, blankToNull(q.get("ns")), blankToNull(q.get("partition")),
                blankToNull(q.get("dc")))) {
            RegisteredService rs = s.service();
            var d = rs.definition();
            for (CatalogView.Instance i : s.instances()) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("ID", "");
                o.put("Node", i.node().toString());
                o.put("Address", i.address());
                o.put("Datacenter", d.datacenter());
                o.put("ServiceID", d.name());
                o.put("ServiceName", d.name());
                o.put("ServiceTags", List.copyOf(d.tags()));
                o.put("ServiceAddress", "");
                o.put("ServiceMeta", new TreeMap<>(d.meta()));
                o.put("ServicePort", d.port());
                o.put("Namespace", d.namespace());
                o.put("Partition", d.partition());
                o.put("ServiceSpiffeID", rs.spiffeId().toString());
                o.put("Workloads", i.workloads());
                o.put("LastSeen", i.lastSeen().toString());
                out.add(o);
            }
        }
        return out;
    }

    private List<Object> nodes() {
        List<Object> out = new ArrayList<>();
        for (CatalogView.Node n : view.nodes()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("ID", "");
            o.put("Node", n.agent().id().toString());
            o.put("Address", n.report() == null ? "" : n.report().address());
            o.put("Datacenter", "dc1");
            Map<String, Object> meta = new TreeMap<>();
            for (Selector s : n.agent().selectors()) {
                meta.put(s.type() + ":" + s.value(), "");
            }
            o.put("Meta", meta);
            o.put("TaggedAddresses", new HashMap<>());
            o.put("AttestationType", n.agent().attestationType());
            o.put("LastSeen", n.report() == null ? null : n.report().at().toString());
            o.put("Identities", n.report() == null ? 0 : n.report().identities().size());
            out.add(o);
        }
        return out;
    }

    private Answer roots(Map<String, String> q) {
        List<X509Certificate> certs = roots.get();
        if (flag(q.get("pem"))) {
            return new Answer(200, "application/pem-certificate-chain", Pem.encodeCertificates(certs));
        }
        X509Certificate active = ConsulRoots.activeRoot(certs, activeRoot.get(), clock.instant());
        return json(JSONObjectUtils.toJSONString(ConsulRoots.json(trustDomain, certs, active)));
    }

    private static boolean flag(String v) {
        return v != null && (v.isEmpty() || v.equalsIgnoreCase("true") || v.equals("1"));
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static Answer json(String body) {
        return new Answer(200, "application/json", body + "\n");
    }

    private static Answer error(int status, String message) {
        return new Answer(status, "application/json", JSONObjectUtils.toJSONString(Map.of("error", message)) + "\n");
    }

    private static Map<String, String> query(HttpExchange ex) {
        Map<String, String> out = new HashMap<>();
        String q = ex.getRequestURI().getRawQuery();
        if (q == null) {
            return out;
        }
        for (String kv : q.split("&")) {
            if (kv.isEmpty()) {
                continue;
            }
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(k, v);
        }
        return out;
    }

    private static void finish(HttpExchange ex, Answer a, Long idx) {
        try (ex) {
            byte[] bytes = a.body().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", a.contentType());
            if (idx != null) {
                ex.getResponseHeaders().set("X-Consul-Index", Long.toString(idx));
            }
            boolean head = ex.getRequestMethod().equals("HEAD");
            ex.sendResponseHeaders(a.status(), head ? -1 : bytes.length);
            if (!head) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(bytes);
                }
            }
        } catch (IOException e) {
            log.debug("HTTP client went away: {}", e.toString());
        }
    }

    @Override
    public void close() {
        server.stop(0);
        timer.shutdownNow();
        executor.shutdownNow();
    }
}
