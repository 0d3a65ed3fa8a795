package dev.signet.agent.attestor.workload.k8s;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * A kubelet double: {@code GET /pods} over real TLS (or plain HTTP, the read-only port), answering with a PodList
 * JSON, and 401 unless the request carries {@code Authorization: Bearer <token>} (when a token is expected).
 */
final class FakeKubelet implements AutoCloseable {
    private final HttpServer server;
    final AtomicInteger podRequests = new AtomicInteger();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    volatile String expectedToken;
    volatile Supplier<String> podList = () -> "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":[]}";
    /** If set, every /pods request waits for it (to hold concurrent callers in one request). */
    volatile CountDownLatch gate;

    private FakeKubelet(HttpServer server) {
        this.server = server;
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    static FakeKubelet https(SSLContext ctx, boolean needClientAuth) throws IOException {
        HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                var p = ctx.getDefaultSSLParameters();
                p.setNeedClientAuth(needClientAuth);
                params.setSSLParameters(p);
            }
        });
        return new FakeKubelet(s);
    }

    static FakeKubelet http() throws IOException {
        return new FakeKubelet(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
    }

    String url(String scheme) {
        return scheme + "://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("GET") || !ex.getRequestURI().getPath().equals("/pods")) {
                send(ex, 404, "404 page not found");
                return;
            }
            podRequests.incrementAndGet();
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            authorizations.add(String.valueOf(auth));
            CountDownLatch g = gate;
            if (g != null) {
                try {
                    g.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String token = expectedToken;
            if (token != null && !("Bearer " + token).equals(auth)) {
                send(ex, 401, "Unauthorized");
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "application/json");
            send(ex, 200, podList.get());
        }
    }

    private static void send(HttpExchange ex, int code, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(code, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
