package dev.signet.server.attestation.awsiid;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Pem;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The EC2 Query API's DescribeInstances over HTTPS (a test CA, server certificate for 127.0.0.1), as the AWS SDK
 * calls it: a form-encoded POST ({@code Action=DescribeInstances&Version=2016-11-15&InstanceId.1=...}) signed with
 * SigV4. Every request's signature is recomputed from the secret key of the one configured access key; a request
 * with a missing or wrong signature gets 401 {@code AuthFailure}. Known instances are answered with a
 * {@code DescribeInstancesResponse} in EC2's XML shape, unknown ones with 400 {@code InvalidInstanceID.NotFound}.
 */
public final class FakeEc2 implements AutoCloseable {
    /** One instance as DescribeInstances reports it. */
    public record Instance(String ownerId, String instanceId, String imageId, Map<String, String> tags,
            List<Map.Entry<String, String>> securityGroups, String instanceProfileArn) {}

    /** A request whose SigV4 signature verified: who signed it, for which region, and what it asked. */
    public record SignedRequest(String accessKeyId, String region, String service, Map<String, String> params) {}

    private static final Pattern AUTH = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})");

    private final HttpsServer server;
    private final X509Certificate ca;
    private final String accessKeyId;
    private final String secretKey;
    private final Map<String, Instance> instances = new ConcurrentHashMap<>();
    private final List<SignedRequest> signed = new CopyOnWriteArrayList<>();
    private final List<String> refused = new CopyOnWriteArrayList<>();
    private volatile int failWithStatus;

    private FakeEc2(String accessKeyId, String secretKey) throws Exception {
        this.accessKeyId = accessKeyId;
        this.secretKey = secretKey;
        KeyPair caKey = Crypto.generate(Crypto.KeyType.EC_P256);
        Instant now = Instant.now();
        X500Name caName = new X500Name("CN=Fake EC2 Test CA");
        var cb = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, Date.from(now.minus(1, ChronoUnit.HOURS)),
                Date.from(now.plus(1, ChronoUnit.DAYS)), caName, caKey.getPublic());
        cb.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        cb.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        ca = new JcaX509CertificateConverter().getCertificate(
                cb.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
        KeyPair leafKey = Crypto.generate(Crypto.KeyType.EC_P256);
        var lb = new JcaX509v3CertificateBuilder(ca, BigInteger.TWO, Date.from(now.minus(1, ChronoUnit.HOURS)),
                Date.from(now.plus(1, ChronoUnit.DAYS)), new X500Name("CN=ec2.test"), leafKey.getPublic());
        lb.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        lb.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(
                lb.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));

        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("tls", leafKey.getPrivate(), new char[0], new X509Certificate[] {leaf, ca});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/", this::handle);
        server.start();
    }

    public static FakeEc2 start(String accessKeyId, String secretKey) throws Exception {
        return new FakeEc2(accessKeyId, secretKey);
    }

    /** {@code https://127.0.0.1:<port>}, what {@code ec2_endpoint} is set to. */
    public String endpoint() {
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Writes the test CA as PEM, for {@code ec2_ca_bundle_path}. */
    public Path writeCa(Path file) throws IOException {
        Files.writeString(file, Pem.encodeCertificates(List.of(ca)));
        return file;
    }

    public void add(Instance i) {
        instances.put(i.instanceId(), i);
    }

    /** Answer every request with this HTTP status and an EC2 error (0: answer normally). */
    public void failWith(int status) {
        failWithStatus = status;
    }

    public List<SignedRequest> signedRequests() {
        return List.copyOf(signed);
    }

    /** Why requests were refused as unauthenticated. */
    public List<String> refusedRequests() {
        return List.copyOf(refused);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            Verdict v = verifySignature(ex, body);
            if (v.problem() != null) {
                refused.add(v.problem());
                error(ex, 401, "AuthFailure", "AWS was not able to validate the provided access credentials");
                return;
            }
            if (failWithStatus != 0) {
                error(ex, failWithStatus, failWithStatus == 503 ? "Unavailable" : "InternalError", "The service is unavailable.");
                return;
            }
            Map<String, String> params = new LinkedHashMap<>(form(ex.getRequestURI().getRawQuery()));
            params.putAll(form(new String(body, StandardCharsets.UTF_8)));
            signed.add(new SignedRequest(v.accessKeyId(), v.region(), v.service(), Map.copyOf(params)));
            if (!"DescribeInstances".equals(params.get("Action")) || !"2016-11-15".equals(params.get("Version"))) {
                error(ex, 400, "InvalidAction", "The action " + params.get("Action") + " is not valid for this web service.");
                return;
            }
            List<Instance> found = new ArrayList<>();
            for (int n = 1; params.containsKey("InstanceId." + n); n++) {
                Instance i = instances.get(params.get("InstanceId." + n));
                if (i == null) {
                    error(ex, 400, "InvalidInstanceID.NotFound", "The instance ID '" + params.get("InstanceId." + n) + "' does not exist");
                    return;
                }
                found.add(i);
            }
            reply(ex, 200, describeInstancesXml(found));
        }
    }

    private record Verdict(String problem, String accessKeyId, String region, String service) {
        static Verdict refused(String problem) {
            return new Verdict(problem, null, null, null);
        }
    }

    /** Recomputes the SigV4 signature: who signed, or why it does not match. */
    private Verdict verifySignature(HttpExchange ex, byte[] body) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null) {
            return Verdict.refused("no Authorization header");
        }
        Matcher m = AUTH.matcher(auth);
        if (!m.matches()) {
            return Verdict.refused("not a SigV4 Authorization header: " + auth);
        }
        String keyId = m.group(1);
        String date = m.group(2);
        String region = m.group(3);
        String service = m.group(4);
        List<String> signedHeaders = List.of(m.group(5).split(";"));
        if (!keyId.equals(accessKeyId)) {
            return Verdict.refused("unknown access key " + keyId);
        }
        String amzDate = ex.getRequestHeaders().getFirst("X-Amz-Date");
        if (amzDate == null || !amzDate.startsWith(date)) {
            return Verdict.refused("X-Amz-Date " + amzDate + " does not match the credential scope date " + date);
        }
        if (!signedHeaders.contains("host") || !signedHeaders.contains("x-amz-date")) {
            return Verdict.refused("host and x-amz-date must be signed: " + signedHeaders);
        }
        StringBuilder canonical = new StringBuilder();
        canonical.append(ex.getRequestMethod()).append('\n');
        String path = ex.getRequestURI().getRawPath();
        canonical.append(path == null || path.isEmpty() ? "/" : path).append('\n');
        canonical.append(canonicalQuery(ex.getRequestURI().getRawQuery())).append('\n');
        for (String h : signedHeaders) {
            List<String> values = ex.getRequestHeaders().get(h);
            if (values == null) {
                return Verdict.refused("signed header " + h + " is missing");
            }
            canonical.append(h).append(':').append(String.join(",", values.stream()
                    .map(v -> v.trim().replaceAll(" +", " ")).toList())).append('\n');
        }
        canonical.append('\n').append(String.join(";", signedHeaders)).append('\n');
        String payloadHash = ex.getRequestHeaders().getFirst("X-Amz-Content-Sha256");
        canonical.append(payloadHash != null ? payloadHash : hex(sha256(body)));
        String scope = date + "/" + region + "/" + service + "/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                + hex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        byte[] k = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), date);
        k = hmac(k, region);
        k = hmac(k, service);
        k = hmac(k, "aws4_request");
        String expected = hex(hmac(k, toSign));
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), m.group(6).getBytes(StandardCharsets.US_ASCII))) {
            return Verdict.refused("signature mismatch for key " + keyId);
        }
        return new Verdict(null, keyId, region, service);
    }

    private static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        TreeMap<String, String> sorted = new TreeMap<>();
        for (String kv : rawQuery.split("&")) {
            int eq = kv.indexOf('=');
            sorted.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
        }
        StringBuilder b = new StringBuilder();
        sorted.forEach((k, v) -> b.append(b.length() == 0 ? "" : "&").append(k).append('=').append(v));
        return b.toString();
    }

    private static Map<String, String> form(String encoded) {
        Map<String, String> out = new LinkedHashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return out;
        }
        for (String kv : encoded.split("&")) {
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

    static String describeInstancesXml(List<Instance> found) {
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n"
                + "    <requestId>8f7724cf-496f-496e-8fe3-example</requestId>\n"
                + "    <reservationSet>\n");
        for (Instance i : found) {
            x.append("        <item>\n")
                    .append("            <reservationId>r-1234567890abcdef0</reservationId>\n")
                    .append("            <ownerId>").append(esc(i.ownerId())).append("</ownerId>\n")
                    .append("            <groupSet/>\n")
                    .append("            <instancesSet>\n")
                    .append("                <item>\n")
                    .append("                    <instanceId>").append(esc(i.instanceId())).append("</instanceId>\n")
                    .append("                    <imageId>").append(esc(i.imageId())).append("</imageId>\n")
                    .append("                    <instanceState><code>16</code><name>running</name></instanceState>\n")
                    .append("                    <privateDnsName>ip-10-158-112-84.ec2.internal</privateDnsName>\n")
                    .append("                    <instanceType>t3.micro</instanceType>\n")
                    .append("                    <launchTime>2026-11-19T16:32:11.000Z</launchTime>\n")
                    .append("                    <placement><availabilityZone>us-west-2a</availabilityZone><tenancy>default</tenancy></placement>\n")
                    .append("                    <privateIpAddress>10.158.112.84</privateIpAddress>\n")
                    .append("                    <groupSet>\n");
            for (Map.Entry<String, String> g : i.securityGroups()) {
                x.append("                        <item><groupId>").append(esc(g.getKey())).append("</groupId><groupName>")
                        .append(esc(g.getValue())).append("</groupName></item>\n");
            }
            x.append("                    </groupSet>\n");
            if (i.instanceProfileArn() != null) {
                x.append("                    <iamInstanceProfile><arn>").append(esc(i.instanceProfileArn()))
                        .append("</arn><id>AIPAJQ5EXAMPLEPROFILE</id></iamInstanceProfile>\n");
            }
            x.append("                    <tagSet>\n");
            i.tags().forEach((k, v) -> x.append("                        <item><key>").append(esc(k)).append("</key><value>")
                    .append(esc(v)).append("</value></item>\n"));
            x.append("                    </tagSet>\n")
                    .append("                </item>\n")
                    .append("            </instancesSet>\n")
                    .append("        </item>\n");
        }
        return x.append("    </reservationSet>\n</DescribeInstancesResponse>\n").toString();
    }

    private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        reply(ex, status, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" + esc(code)
                + "</Code><Message>" + esc(message) + "</Message></Error></Errors>"
                + "<RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>");
    }

    private static void reply(HttpExchange ex, int status, String xml) throws IOException {
        byte[] b = xml.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "text/xml;charset=UTF-8");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
