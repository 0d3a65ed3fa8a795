package dev.signet.testing.platform.kubernetes;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Pem;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A stand-in for a Kubernetes API server (test double: no cluster runs here), speaking its wire format over real
 * TLS: {@code POST /apis/authentication.k8s.io/v1/tokenreviews}, {@code GET /api/v1/namespaces/<ns>/pods/<name>}
 * and {@code GET /api/v1/nodes/<name>}, with the JSON shapes, status codes and {@code Status} error bodies of a
 * real API server (201 for a created TokenReview, 401 without the caller's bearer token, 403 for a verb RBAC
 * doesn't grant, 404 {@code NotFound}, 415 for a body that isn't JSON, 500 when told to fail).
 *
 * <p>Its certificate is issued by a test CA made here with BouncyCastle (SANs {@code localhost} and
 * {@code 127.0.0.1}); {@link #caPath()} and {@link #tokenPath()} are the files a Signet server is configured
 * with. Service-account tokens are real JWT-shaped strings (ES256, the claims a kubelet-projected token carries)
 * that the fake remembers: like a real API server it reviews a token by looking it up, checks the requested
 * audiences against the token's, and — unless {@link #serviceAccountLookup(boolean)} turns it off, as a stale
 * cache would — refuses a pod-bound token whose pod is gone or has another UID.
 */
public final class FakeKubernetesApi implements AutoCloseable {
    /** The audience of the API server itself (what a TokenReview without spec.audiences checks). */
    public static final String API_AUDIENCE = "https://kubernetes.default.svc.cluster.local";

    /** A token's identity: the service account and the pod it is bound to. */
    public record Identity(String namespace, String serviceAccount, String podName, String podUid, List<String> audiences) {}

    /** One request as received: method, path, the bearer token presented and the body. */
    public record Request(String method, String path, String bearer, String body) {}

    private final HttpsServer http;
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final Path dir;
    private final KeyPair saSigningKey = Crypto.generate(Crypto.KeyType.EC_P256);
    private final AtomicReference<String> serverToken = new AtomicReference<>();
    private final Map<String, Identity> tokens = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Object>> pods = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Object>> nodes = new ConcurrentHashMap<>();
    private final Set<String> forbidden = ConcurrentHashMap.newKeySet();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger failWith = new AtomicInteger();
    private final AtomicInteger resourceVersion = new AtomicInteger(1000);
    private volatile boolean serviceAccountLookup = true;
    private volatile boolean audienceAware = true;

    private FakeKubernetesApi(Path dir) throws Exception {
        this.dir = dir;
        Files.createDirectories(dir);
        KeyPair caKey = Crypto.generate(Crypto.KeyType.EC_P256);
        KeyPair serverKey = Crypto.generate(Crypto.KeyType.EC_P256);
        Instant now = Instant.now();
        X500Name caName = new X500Name("CN=kubernetes");
        JcaX509v3CertificateBuilder cb = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, Date.from(now.minusSeconds(60)),
                Date.from(now.plusSeconds(86400)), caName, caKey.getPublic());
        cb.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        cb.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.digitalSignature));
        X509Certificate ca = sign(cb, caKey);
        JcaX509v3CertificateBuilder lb = new JcaX509v3CertificateBuilder(caName, BigInteger.TWO, Date.from(now.minusSeconds(60)),
                Date.from(now.plusSeconds(86400)), new X500Name("CN=kube-apiserver"), serverKey.getPublic());
        lb.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        lb.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        lb.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        lb.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, "localhost"),
            new GeneralName(GeneralName.dNSName, "kubernetes.default.svc"),
            new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        X509Certificate leaf = sign(lb, caKey);
        Files.writeString(caPath(), Pem.encodeCertificates(List.of(ca)));
        rotateServerToken();

        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("apiserver", serverKey.getPrivate(), new char[0], new X509Certificate[] {leaf, ca});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        http = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        http.setHttpsConfigurator(new HttpsConfigurator(ssl));
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair issuer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").setProvider(Crypto.PROVIDER).build(issuer.getPrivate())));
    }

    /** Starts an API server whose CA certificate and caller token are written into {@code dir}. */
    public static FakeKubernetesApi start(Path dir) throws Exception {
        return new FakeKubernetesApi(dir);
    }

    // ---- what a Signet server is configured with ----

    public URI url() {
        return URI.create("https://127.0.0.1:" + http.getAddress().getPort());
    }

    public Path caPath() {
        return dir.resolve("ca.crt");
    }

    /** The file holding the token the Signet server must present (its own service account's). */
    public Path tokenPath() {
        return dir.resolve("token");
    }

    /** A new server token, written to {@link #tokenPath()}; the previous one is refused from now on. */
    public String rotateServerToken() throws IOException {
        String t = "server-" + UUID.randomUUID();
        Files.writeString(tokenPath(), t + "\n");
        serverToken.set(t);
        return t;
    }

    /** The HCL body of a cluster block pointing at this API server, e.g. for {@code clusters = { "c" = { ... } }}. */
    public String connectionHcl() {
        return "kube_api_url = \"" + url() + "\"\n kube_ca_path = \"" + caPath() + "\"\n kube_token_path = \"" + tokenPath() + "\"\n";
    }

    // ---- cluster state ----

    /** Adds (or replaces) a node. */
    public void addNode(String name, String uid, Map<String, String> labels) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("name", name);
        meta.put("uid", uid);
        meta.put("resourceVersion", String.valueOf(resourceVersion.incrementAndGet()));
        meta.put("creationTimestamp", "2024-05-01T10:00:00Z");
        Map<String, String> l = new LinkedHashMap<>(Map.of("kubernetes.io/hostname", name, "kubernetes.io/os", "linux"));
        l.putAll(labels);
        meta.put("labels", l);
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("kind", "Node");
        node.put("apiVersion", "v1");
        node.put("metadata", meta);
        node.put("spec", Map.of("podCIDR", "10.244.1.0/24", "podCIDRs", List.of("10.244.1.0/24"), "providerID", "kind://docker/" + name));
        node.put("status", Map.of(
                "addresses", List.of(Map.of("type", "InternalIP", "address", "172.18.0.2"), Map.of("type", "Hostname", "address", name)),
                "nodeInfo", Map.of("kubeletVersion", "v1.30.0", "containerRuntimeVersion", "containerd://1.7.15",
                        "operatingSystem", "linux", "architecture", "amd64")));
        nodes.put(name, node);
    }

    /** A node whose object has no UID (a broken API or proxy): the attestor must refuse it. */
    public void addNodeWithoutUid(String name) {
        addNode(name, "x", Map.of());
        @SuppressWarnings("unchecked")
        Map<String, Object> meta = (Map<String, Object>) nodes.get(name).get("metadata");
        meta.remove("uid");
    }

    public void deleteNode(String name) {
        nodes.remove(name);
    }

    /** Adds (or replaces) a running pod of service account {@code sa} on {@code nodeName}. */
    public void addPod(String ns, String name, String uid, String sa, String nodeName, String hostIp, Map<String, String> labels) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("name", name);
        meta.put("generateName", name.substring(0, Math.max(1, name.lastIndexOf('-') + 1)));
        meta.put("namespace", ns);
        meta.put("uid", uid);
        meta.put("resourceVersion", String.valueOf(resourceVersion.incrementAndGet()));
        meta.put("creationTimestamp", "2024-05-01T10:05:00Z");
        meta.put("labels", new LinkedHashMap<>(labels));
        meta.put("ownerReferences", List.of(Map.of("apiVersion", "apps/v1", "kind", "DaemonSet", "name", "signet-agent",
                "uid", "5b1a3f5e-0000-4000-8000-000000000001", "controller", true, "blockOwnerDeletion", true)));
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("serviceAccountName", sa);
        spec.put("serviceAccount", sa);
        spec.put("nodeName", nodeName);
        spec.put("containers", List.of(Map.of("name", "signet-agent", "image", "ghcr.io/example/signet:1.0")));
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("phase", "Running");
        status.put("hostIP", hostIp);
        status.put("hostIPs", List.of(Map.of("ip", hostIp)));
        status.put("podIP", "10.244.1.7");
        status.put("podIPs", List.of(Map.of("ip", "10.244.1.7")));
        Map<String, Object> pod = new LinkedHashMap<>();
        pod.put("kind", "Pod");
        pod.put("apiVersion", "v1");
        pod.put("metadata", meta);
        pod.put("spec", spec);
        pod.put("status", status);
        pods.put(ns + "/" + name, pod);
    }

    public void deletePod(String ns, String name) {
        pods.remove(ns + "/" + name);
    }

    /**
     * Issues a projected service-account token (a JWT with the claims the kubelet's token request yields) for
     * the pod, valid for {@code audiences}.
     */
    public String issueToken(String ns, String sa, String podName, String podUid, String... audiences) {
        Instant now = Instant.now();
        Map<String, Object> k8s = new LinkedHashMap<>();
        k8s.put("namespace", ns);
        if (podName != null) {
            k8s.put("pod", Map.of("name", podName, "uid", podUid));
        }
        k8s.put("serviceaccount", Map.of("name", sa, "uid", UUID.nameUUIDFromBytes((ns + "/" + sa).getBytes(StandardCharsets.UTF_8)).toString()));
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer("https://kubernetes.default.svc.cluster.local")
                .subject("system:serviceaccount:" + ns + ":" + sa)
                .audience(List.of(audiences))
                .issueTime(Date.from(now)).notBeforeTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(3600)))
                .jwtID(UUID.randomUUID().toString())
                .claim("kubernetes.io", k8s)
                .build();
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("fake-sa-key").build(), claims);
            jwt.sign(new ECDSASigner((ECPrivateKey) saSigningKey.getPrivate()));
            String t = jwt.serialize();
            tokens.put(t, new Identity(ns, sa, podName, podUid, List.of(audiences)));
            return t;
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A service-account token bound to no pod (as from a TokenRequest without boundObjectRef). */
    public String issueUnboundToken(String ns, String sa, String... audiences) {
        return issueToken(ns, sa, null, null, audiences);
    }

    /** Whether TokenReview checks that a pod-bound token's pod still exists with its UID (on by default, as in Kubernetes). */
    public void serviceAccountLookup(boolean on) {
        serviceAccountLookup = on;
    }

    /**
     * Off: reviews like a token authenticator that isn't audience-aware — it ignores spec.audiences and returns no
     * status.audiences, meaning the token is only known to be valid for the API server itself.
     */
    public void audienceAware(boolean on) {
        audienceAware = on;
    }

    /** RBAC denies this resource ({@code tokenreviews}, {@code pods} or {@code nodes}) to the caller. */
    public void forbid(String resource) {
        forbidden.add(resource);
    }

    /** Every request from now on fails with this HTTP status (0: behave). */
    public void failWith(int status) {
        failWith.set(status);
    }

    public List<Request> requests() {
        return Collections.unmodifiableList(new ArrayList<>(requests));
    }

    // ---- the HTTP side ----

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String body;
            try (InputStream in = ex.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            String bearer = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
            String path = ex.getRequestURI().getRawPath();
            requests.add(new Request(ex.getRequestMethod(), path, bearer, body));
            int fail = failWith.get();
            if (fail != 0) {
                status(ex, fail, "InternalError", "Internal error occurred: etcdserver: request timed out", null);
                return;
            }
            if (bearer == null || !bearer.equals(serverToken.get())) {
                status(ex, 401, "Unauthorized", "Unauthorized", null);
                return;
            }
            if (path.equals("/apis/authentication.k8s.io/v1/tokenreviews")) {
                if (!ex.getRequestMethod().equals("POST")) {
                    status(ex, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource", null);
                } else if (!String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")).startsWith("application/json")) {
                    status(ex, 415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types"
                            + " include: application/json, application/yaml, application/vnd.kubernetes.protobuf", null);
                } else if (forbidden.contains("tokenreviews")) {
                    forbiddenStatus(ex, "create", "tokenreviews", "authentication.k8s.io", null, null);
                } else {
                    tokenReview(ex, body);
                }
                return;
            }
            if (!ex.getRequestMethod().equals("GET")) {
                status(ex, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource", null);
                return;
            }
            String[] p = path.split("/");
            if (p.length == 7 && path.startsWith("/api/v1/namespaces/") && p[5].equals("pods")) {
                if (forbidden.contains("pods")) {
                    forbiddenStatus(ex, "get", "pods", "", p[4], p[6]);
                } else {
                    object(ex, pods.get(p[4] + "/" + p[6]), "pods", p[6]);
                }
            } else if (p.length == 5 && path.startsWith("/api/v1/nodes/")) {
                if (forbidden.contains("nodes")) {
                    forbiddenStatus(ex, "get", "nodes", "", null, p[4]);
                } else {
                    object(ex, nodes.get(p[4]), "nodes", p[4]);
                }
            } else {
                status(ex, 404, "NotFound", "the server could not find the requested resource", null);
            }
        } catch (RuntimeException e) {
            status(ex, 500, "InternalError", "fake API: " + e, null);
        }
    }

    private void tokenReview(HttpExchange ex, String body) throws IOException {
        Map<String, Object> req;
        Map<String, Object> spec;
        try {
            req = JSONObjectUtils.parse(body);
            spec = JSONObjectUtils.getJSONObject(req, "spec");
            if (!"TokenReview".equals(JSONObjectUtils.getString(req, "kind"))
                    || !"authentication.k8s.io/v1".equals(JSONObjectUtils.getString(req, "apiVersion")) || spec == null) {
                throw new ParseException("not an authentication.k8s.io/v1 TokenReview", 0);
            }
        } catch (ParseException e) {
            status(ex, 400, "BadRequest", "error decoding request body: " + e.getMessage(), null);
            return;
        }
        String token;
        List<String> requested;
        try {
            token = JSONObjectUtils.getString(spec, "token");
            requested = spec.get("audiences") == null ? List.of() : JSONObjectUtils.getStringList(spec, "audiences");
        } catch (ParseException e) {
            status(ex, 400, "BadRequest", "TokenReview in version \"v1\" cannot be handled as a TokenReview: " + e.getMessage(), null);
            return;
        }
        Map<String, Object> status = new LinkedHashMap<>();
        Identity id = token == null ? null : tokens.get(token);
        List<String> wanted = requested.isEmpty() ? List.of(API_AUDIENCE) : requested;
        List<String> matching = id == null ? List.of() : id.audiences().stream().filter(wanted::contains).toList();
        if (!audienceAware && id != null) {
            matching = List.of("(not checked)"); // any valid token passes; status.audiences is left out below
        }
        if (id == null) {
            status.put("user", Map.of());
            status.put("error", "[invalid bearer token, square/go-jose: error in cryptographic primitive, token lookup failed]");
        } else if (matching.isEmpty()) {
            status.put("user", Map.of());
            status.put("error", "[invalid bearer token, token audiences " + quoted(id.audiences()) + " is invalid for the target audiences "
                    + quoted(wanted) + ", unknown]");
        } else if (serviceAccountLookup && id.podName() != null && !podMatches(id)) {
            status.put("user", Map.of());
            status.put("error", "[invalid bearer token, pod \"" + id.podName() + "\" not found or its UID changed, unknown]");
        } else {
            status.put("authenticated", true);
            Map<String, Object> user = new LinkedHashMap<>();
            user.put("username", "system:serviceaccount:" + id.namespace() + ":" + id.serviceAccount());
            user.put("uid", UUID.nameUUIDFromBytes((id.namespace() + "/" + id.serviceAccount()).getBytes(StandardCharsets.UTF_8)).toString());
            user.put("groups", List.of("system:serviceaccounts", "system:serviceaccounts:" + id.namespace(), "system:authenticated"));
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("authentication.kubernetes.io/credential-id", List.of("JTI=" + UUID.randomUUID()));
            if (id.podName() != null) {
                extra.put("authentication.kubernetes.io/pod-name", List.of(id.podName()));
                extra.put("authentication.kubernetes.io/pod-uid", List.of(id.podUid()));
            }
            user.put("extra", extra);
            status.put("user", user);
            if (audienceAware) {
                status.put("audiences", matching);
            }
        }
        Map<String, Object> resp = new LinkedHashMap<>();
        resp.put("kind", "TokenReview");
        resp.put("apiVersion", "authentication.k8s.io/v1");
        resp.put("metadata", Map.of("creationTimestamp", "2024-05-01T10:10:00Z"));
        resp.put("spec", spec);
        resp.put("status", status);
        send(ex, 201, JSONObjectUtils.toJSONString(resp));
    }

    private boolean podMatches(Identity id) {
        Map<String, Object> pod = pods.get(id.namespace() + "/" + id.podName());
        if (pod == null) {
            return false;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> meta = (Map<String, Object>) pod.get("metadata");
        return id.podUid().equals(meta.get("uid"));
    }

    private static String quoted(List<String> l) {
        return "[" + String.join(" ", l.stream().map(s -> "\"" + s + "\"").toList()) + "]";
    }

    private static void object(HttpExchange ex, Map<String, Object> obj, String kind, String name) throws IOException {
        if (obj == null) {
            status(ex, 404, "NotFound", kind + " \"" + name + "\" not found", Map.of("name", name, "kind", kind));
        } else {
            send(ex, 200, JSONObjectUtils.toJSONString(obj));
        }
    }

    private void forbiddenStatus(HttpExchange ex, String verb, String resource, String group, String ns, String name) throws IOException {
        String user = "system:serviceaccount:signet:signet-server";
        String msg = (name == null ? resource : resource + " \"" + name + "\"") + " is forbidden: User \"" + user + "\" cannot " + verb
                + " resource \"" + resource + "\" in API group \"" + group + "\"" + (ns == null ? " at the cluster scope" : " in the namespace \"" + ns + "\"");
        Map<String, Object> details = new LinkedHashMap<>();
        if (name != null) {
            details.put("name", name);
        }
        details.put("group", group);
        details.put("kind", resource);
        status(ex, 403, "Forbidden", msg, details);
    }

    private static void status(HttpExchange ex, int code, String reason, String message, Map<String, Object> details) throws IOException {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("kind", "Status");
        s.put("apiVersion", "v1");
        s.put("metadata", Map.of());
        s.put("status", "Failure");
        s.put("message", message);
        s.put("reason", reason);
        if (details != null) {
            s.put("details", details);
        }
        s.put("code", code);
        send(ex, code, JSONObjectUtils.toJSONString(s));
    }

    private static void send(HttpExchange ex, int code, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.getResponseHeaders().set("Audit-Id", UUID.randomUUID().toString());
        ex.getResponseHeaders().set("Cache-Control", "no-cache, private");
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    /** Stops listening: the API is then unreachable (connection refused). */
    public void stop() {
        http.stop(0);
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }
}
