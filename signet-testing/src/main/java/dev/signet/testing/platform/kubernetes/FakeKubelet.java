package dev.signet.testing.platform.kubernetes;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Pem;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A kubelet double: {@code GET /pods} on 127.0.0.1 answering a real-shaped {@code v1.PodList}, with the kubelet's (Go
 * net/http) plain-text errors: 404 {@code 404 page not found} for any other route, 401 {@code Unauthorized} when a
 * bearer token is expected and the request doesn't carry it.
 *
 * <p>Three ways to start it:
 * <ul>
 *   <li>{@link #start(String, Path)}: over real TLS with a serving certificate for the node name issued by a
 *       throw-away CA, expecting a service-account token; {@link #caFile()} and {@link #tokenFile()} are what an
 *       agent's {@code kubelet_ca_path} and {@code token_path} point at;</li>
 *   <li>{@link #https(SSLContext, boolean)}: over TLS with the caller's certificates, optionally requiring a client
 *       certificate; no token is checked unless {@link #expectToken} is set;</li>
 *   <li>{@link #readOnlyPort()}: plain HTTP, as the kubelet's read-only port.</li>
 * </ul>
 * The pod list holds the pods added with {@link #pod}, unless {@link #podList(String)} sets its JSON outright.
 */
public final class FakeKubelet implements AutoCloseable {
    private static final String EMPTY_POD_LIST = "{\"kind\": \"PodList\", \"apiVersion\": \"v1\", \"metadata\": {}, \"items\": []}";

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final String nodeName;
    private final Path caFile;
    private final Path tokenFile;
    private final Map<String, String> pods = new ConcurrentHashMap<>();
    private final AtomicInteger podRequests = new AtomicInteger();
    private final AtomicInteger unauthorized = new AtomicInteger();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private volatile String expectedToken;
    private volatile String podList;
    private volatile CountDownLatch gate;

    private FakeKubelet(HttpServer server, String nodeName, Path caFile, Path tokenFile, String token) {
        this.server = server;
        this.nodeName = nodeName;
        this.caFile = caFile;
        this.tokenFile = tokenFile;
        this.expectedToken = token;
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /**
     * A kubelet over TLS whose serving certificate (SAN: DNS {@code nodeName}) is issued by a CA made here; the CA
     * certificate goes to {@code dir/kubelet-ca.crt} and a JWT-shaped service-account token, the only one accepted,
     * to {@code dir/sa-token}.
     */
    public static FakeKubelet start(String nodeName, Path dir) throws Exception {
        KeyPair caKey = Crypto.generate(Crypto.KeyType.EC_P256);
        X500Name caName = new X500Name("CN=kubelet-ca");
        X509Certificate ca = cert(caName, caKey.getPublic(), caName, caKey.getPrivate(), true, List.of());
        KeyPair key = Crypto.generate(Crypto.KeyType.EC_P256);
        X509Certificate serving = cert(new X500Name("CN=" + nodeName + "@1709283000"), key.getPublic(), caName, caKey.getPrivate(), false,
                List.of(new GeneralName(GeneralName.dNSName, nodeName)));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("kubelet", key.getPrivate(), new char[0], new X509Certificate[] {serving, ca});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);

        Path caFile = dir.resolve("kubelet-ca.crt");
        Files.writeString(caFile, Pem.encodeCertificates(List.of(ca)));
        String token = "eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("{\"sub\":\"system:serviceaccount:spire:signet-agent\",\"n\":" + System.nanoTime() + "}").getBytes(StandardCharsets.UTF_8))
                + ".c2lnbmF0dXJl";
        Path tokenFile = dir.resolve("sa-token");
        Files.writeString(tokenFile, token);

        HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(ctx));
        return new FakeKubelet(s, nodeName, caFile, tokenFile, token);
    }

    /** A kubelet over TLS with the caller's server certificate (in {@code ctx}), requiring a client certificate if asked. */
    public static FakeKubelet https(SSLContext ctx, boolean needClientAuth) throws IOException {
        HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                var p = ctx.getDefaultSSLParameters();
                p.setNeedClientAuth(needClientAuth);
                params.setSSLParameters(p);
            }
        });
        return new FakeKubelet(s, "node-a", null, null, null);
    }

    /** The kubelet's read-only port: plain HTTP, no credentials. */
    public static FakeKubelet readOnlyPort() throws IOException {
        return new FakeKubelet(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0), "node-a", null, null, null);
    }

    /** {@code https://127.0.0.1:<port>} ({@code http://} for the read-only port). */
    public String url() {
        return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The CA certificate of a kubelet made by {@link #start}. */
    public Path caFile() {
        if (caFile == null) {
            throw new IllegalStateException("this kubelet serves the caller's certificate: there is no CA file");
        }
        return caFile;
    }

    /** The service-account token file of a kubelet made by {@link #start}. */
    public Path tokenFile() {
        if (tokenFile == null) {
            throw new IllegalStateException("this kubelet was not started with a token file");
        }
        return tokenFile;
    }

    /** From now on only requests with {@code Authorization: Bearer <token>} are answered (null: no check). */
    public void expectToken(String token) {
        expectedToken = token;
    }

    /** Lists (or, with null {@code containers}, unlists) a running pod with one container per entry (name → 64-hex ID). */
    public void pod(String namespace, String name, String uid, String serviceAccount, Map<String, String> labels, Map<String, String> containers) {
        if (containers == null) {
            pods.remove(uid);
            return;
        }
        String labelJson = labels.entrySet().stream().map(e -> "\"" + e.getKey() + "\": \"" + e.getValue() + "\"").collect(Collectors.joining(", "));
        List<String> specs = new ArrayList<>();
        List<String> statuses = new ArrayList<>();
        containers.forEach((cname, cid) -> {
            String image = "registry.example.org/" + namespace + "/" + cname + ":1.0";
            specs.add("{\"name\": \"" + cname + "\", \"image\": \"" + image + "\", \"resources\": {}, \"imagePullPolicy\": \"IfNotPresent\"}");
            statuses.add("{\"name\": \"" + cname + "\", \"state\": {\"running\": {\"startedAt\": \"2026-03-01T09:00:02Z\"}}, \"lastState\": {},"
                    + " \"ready\": true, \"restartCount\": 0, \"image\": \"" + image + "\", \"imageID\": \"registry.example.org/" + namespace + "/" + cname
                    + "@sha256:" + cid.substring(0, 64).replace('f', 'e') + "\", \"containerID\": \"containerd://" + cid + "\", \"started\": true}");
        });
        pods.put(uid, """
                {"metadata": {"name": "%1$s", "generateName": "%1$s-", "namespace": "%2$s", "uid": "%3$s", "resourceVersion": "9182",
                  "creationTimestamp": "2026-03-01T09:00:00Z", "labels": {%5$s},
                  "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "%1$s-rs", "uid": "0c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e",
                    "controller": true, "blockOwnerDeletion": true}]},
                 "spec": {"containers": [%6$s], "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "serviceAccountName": "%4$s",
                  "serviceAccount": "%4$s", "nodeName": "%8$s", "securityContext": {}, "schedulerName": "default-scheduler"},
                 "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": null,
                  "lastTransitionTime": "2026-03-01T09:00:03Z"}], "hostIP": "10.0.0.11", "podIP": "10.244.1.9",
                  "startTime": "2026-03-01T09:00:00Z", "containerStatuses": [%7$s], "qosClass": "BestEffort"}}"""
                .formatted(name, namespace, uid, serviceAccount, labelJson, String.join(", ", specs), String.join(", ", statuses), nodeName));
    }

    /** Answers {@code /pods} with this PodList JSON as it is, instead of the pods added with {@link #pod} (null: those again). */
    public void podList(String json) {
        podList = json;
    }

    /** While set, every {@code /pods} request waits (10 s at most) for the latch, to hold concurrent callers in one request. */
    public void hold(CountDownLatch gate) {
        this.gate = gate;
    }

    /** {@code /pods} requests received, answered or not. */
    public int podRequests() {
        return podRequests.get();
    }

    /** {@code /pods} requests refused with 401. */
    public int unauthorized() {
        return unauthorized.get();
    }

    /** The Authorization header of each {@code /pods} request ({@code "null"} where there was none). */
    public List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("GET") || !ex.getRequestURI().getPath().equals("/pods")) {
                send(ex, 404, "404 page not found\n", "text/plain; charset=utf-8");
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
                unauthorized.incrementAndGet();
                send(ex, 401, "Unauthorized\n", "text/plain; charset=utf-8");
                return;
            }
            String raw = podList;
            String body = raw != null ? raw
                    : pods.isEmpty() ? EMPTY_POD_LIST
                    : "{\"kind\": \"PodList\", \"apiVersion\": \"v1\", \"metadata\": {}, \"items\": [" + String.join(",\n", pods.values()) + "]}\n";
            send(ex, 200, body, "application/json");
        }
    }

    private static void send(HttpExchange ex, int code, String body, String type) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    private static X509Certificate cert(X500Name subject, PublicKey key, X500Name issuer, PrivateKey signer, boolean ca, List<GeneralName> sans)
            throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(System.nanoTime()), Date.from(now.minusSeconds(60)),
                Date.from(now.plus(1, ChronoUnit.DAYS)), subject, key);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        if (!sans.isEmpty()) {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
        }
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
