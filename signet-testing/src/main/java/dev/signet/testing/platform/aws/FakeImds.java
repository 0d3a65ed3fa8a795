package dev.signet.testing.platform.aws;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The EC2 instance metadata service as IMDSv2 requires it, over plain HTTP on 127.0.0.1: {@code PUT
 * /latest/api/token} with {@code X-aws-ec2-metadata-token-ttl-seconds} (1–21600, else 400) issues a token; GETs
 * without a valid {@code X-aws-ec2-metadata-token} get 401; the identity document and its {@code rsa2048} signature
 * are served as text. The caller supplies both (a real-shaped JSON document and its signature, made with whatever key
 * the test's verifier trusts) and may swap them with {@link #serve}.
 */
public final class FakeImds implements AutoCloseable {
    private final HttpServer server;
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private final AtomicInteger refusedReads = new AtomicInteger();
    private volatile String document;
    private volatile String signature;

    private FakeImds(String document, String signature) throws IOException {
        this.document = document;
        this.signature = signature;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public static FakeImds start(String document, String signature) throws IOException {
        return new FakeImds(document, signature);
    }

    /** {@code http://127.0.0.1:<port>}, what {@code imds_endpoint} is set to. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void serve(String document, String signature) {
        this.document = document;
        this.signature = signature;
    }

    public int tokenRequests() {
        return tokenRequests.get();
    }

    /** GETs refused for a missing or unknown token. */
    public int refusedReads() {
        return refusedReads.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (path.equals("/latest/api/token")) {
                if (!method.equals("PUT")) {
                    reply(ex, 405, "");
                    return;
                }
                tokenRequests.incrementAndGet();
                String ttl = ex.getRequestHeaders().getFirst("X-aws-ec2-metadata-token-ttl-seconds");
                int seconds;
                try {
                    seconds = ttl == null ? -1 : Integer.parseInt(ttl);
                } catch (NumberFormatException e) {
                    seconds = -1;
                }
                if (seconds < 1 || seconds > 21600) {
                    reply(ex, 400, "");
                    return;
                }
                String token = UUID.randomUUID().toString();
                tokens.add(token);
                ex.getResponseHeaders().add("X-aws-ec2-metadata-token-ttl-seconds", Integer.toString(seconds));
                reply(ex, 200, token);
                return;
            }
            if (!method.equals("GET")) {
                reply(ex, 405, "");
                return;
            }
            String token = ex.getRequestHeaders().getFirst("X-aws-ec2-metadata-token");
            if (token == null || !tokens.contains(token)) {
                refusedReads.incrementAndGet();
                reply(ex, 401, "");
                return;
            }
            switch (path) {
                case "/latest/dynamic/instance-identity/document" -> reply(ex, 200, document);
                case "/latest/dynamic/instance-identity/rsa2048" -> reply(ex, 200, signature);
                default -> reply(ex, 404, "");
            }
        }
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "text/plain");
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
