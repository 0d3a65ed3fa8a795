package dev.signet.it.harness;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * A kubelet double: {@code GET /pods} over real TLS on 127.0.0.1, with a serving certificate for the node name issued by
 * a throw-away CA (BouncyCastle), answering the pods set with {@link #pod} as a real-shaped {@code v1.PodList}, and 401
 * unless the request carries {@code Authorization: Bearer <token>}. {@link #caFile()} and {@link #tokenFile()} are what
 * the agent's {@code kubelet_ca_path} and {@code token_path} point at.
 */
public final class FakeKubelet implements AutoCloseable {
    private final HttpsServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final Map<String, String> pods = new ConcurrentHashMap<>();
    private final Path caFile;
    private final Path tokenFile;
    private final String token;
    private final AtomicInteger podRequests = new AtomicInteger();
    private final AtomicInteger unauthorized = new AtomicInteger();

    public FakeKubelet(String nodeName, Path dir) throws Exception {
        KeyPair caKey = ec();
        X509Certificate ca = cert(new X500Name("CN=kubelet-ca"), caKey.getPublic(), new X500Name("CN=kubelet-ca"), caKey.getPrivate(), true, List.of());
        KeyPair key = ec();
        X509Certificate serving = cert(new X500Name("CN=" + nodeName + "@1709283000"), key.getPublic(), new X500Name("CN=kubelet-ca"), caKey.getPrivate(),
                false, List.of(new GeneralName(GeneralName.dNSName, nodeName)));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("kubelet", key.getPrivate(), new char[0], new X509Certificate[] {serving, ca});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);

        caFile = dir.resolve("kubelet-ca.crt");
        ItDirs.write(caFile, "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(ca.getEncoded()) + "\n-----END CERTIFICATE-----\n");
        token = "eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("{\"sub\":\"system:serviceaccount:spire:signet-agent\",\"n\":" + System.nanoTime() + "}").getBytes(StandardCharsets.UTF_8))
                + ".c2lnbmF0dXJl";
        tokenFile = dir.resolve("sa-token");
        ItDirs.write(tokenFile, token);

        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx));
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public String url() {
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    public Path caFile() {
        return caFile;
    }

    public Path tokenFile() {
        return tokenFile;
    }

    public int podRequests() {
        return podRequests.get();
    }

    public int unauthorized() {
        return unauthorized.get();
    }

    /** Lists (or, with null, unlists) a running pod with one container per {@code containers} entry (name → 64-hex ID). */
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
                  "serviceAccount": "%4$s", "nodeName": "node-a", "securityContext": {}, "schedulerName": "default-scheduler"},
                 "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": null,
                  "lastTransitionTime": "2026-03-01T09:00:03Z"}], "hostIP": "10.0.0.11", "podIP": "10.244.1.9",
                  "startTime": "2026-03-01T09:00:00Z", "containerStatuses": [%7$s], "qosClass": "BestEffort"}}"""
                .formatted(name, namespace, uid, serviceAccount, labelJson, String.join(", ", specs), String.join(", ", statuses)));
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("GET") || !ex.getRequestURI().getPath().equals("/pods")) {
                send(ex, 404, "404 page not found\n", "text/plain; charset=utf-8");
                return;
            }
            podRequests.incrementAndGet();
            if (!("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                unauthorized.incrementAndGet();
                send(ex, 401, "Unauthorized\n", "text/plain; charset=utf-8");
                return;
            }
            send(ex, 200, "{\"kind\": \"PodList\", \"apiVersion\": \"v1\", \"metadata\": {}, \"items\": [" + String.join(",\n", pods.values()) + "]}\n",
                    "application/json");
        }
    }

    private static void send(HttpExchange ex, int code, String body, String type) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, b.length);
        ex.getResponseBody().write(b);
    }

    private static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
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
