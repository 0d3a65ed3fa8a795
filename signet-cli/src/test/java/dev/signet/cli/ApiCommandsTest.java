package dev.signet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.signet.cli.testing.CliRunner;
import dev.signet.cli.testing.CliRunner.Result;
import dev.signet.cli.testing.FakeWorkloadApi;
import dev.signet.cli.testing.TestCerts;
import dev.signet.cli.testing.UdsServer;
import dev.signet.core.x509.Pem;
import dev.signet.proto.workload.X509SVID;
import dev.signet.proto.workload.X509SVIDResponse;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.interfaces.ECPrivateKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code api fetch x509} and {@code api watch} against a real gRPC server serving a fake Workload API. */
class ApiCommandsTest {
    @TempDir
    Path dir;

    private final FakeWorkloadApi api = new FakeWorkloadApi();
    private final TestCerts.Issued ca = TestCerts.ca("example.org");
    private final Instant expiry = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    private UdsServer server;
    private Path socket;

    @BeforeEach
    void start() throws Exception {
        socket = dir.resolve("agent.sock");
        server = UdsServer.start(socket, api, api.headerRecorder());
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private X509SVID svid(TestCerts.Issued leaf, String id, String hint) throws Exception {
        return X509SVID.newBuilder()
                .setSpiffeId(id)
                .setX509Svid(ByteString.copyFrom(leaf.cert().getEncoded()))
                .setX509SvidKey(ByteString.copyFrom(leaf.keys().getPrivate().getEncoded()))
                .setBundle(ByteString.copyFrom(ca.cert().getEncoded()))
                .setHint(hint)
                .build();
    }

    @Test
    void fetchWritesChainKeyAndBundleAndSendsTheSecurityHeader() throws Exception {
        TestCerts.Issued web = TestCerts.leaf(ca, "spiffe://example.org/web", expiry);
        TestCerts.Issued db = TestCerts.leaf(ca, "spiffe://example.org/db", expiry);
        api.addUpdate(X509SVIDResponse.newBuilder()
                .addSvids(svid(web, "spiffe://example.org/web", "internal"))
                .addSvids(svid(db, "spiffe://example.org/db", ""))
                .build());
        Path out = dir.resolve("certs");

        Result r = CliRunner.run(Map.of(), "api", "fetch", "x509", "--socket", "unix://" + socket, "--write", out.toString());

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(api.securityHeaders()).containsExactly("true");
        assertThat(r.out()).startsWith("Received 2 X509-SVIDs after ")
                .contains("SPIFFE ID        : spiffe://example.org/web\nHint             : internal\n"
                        + "Expires at       : " + expiry + "\nBundle           : 1 CA certificate\n")
                .contains("SPIFFE ID        : spiffe://example.org/db\nExpires at");
        for (int i = 0; i < 2; i++) {
            TestCerts.Issued leaf = i == 0 ? web : db;
            assertThat(Pem.decodeCertificates(Files.readString(out.resolve("svid." + i + ".pem")))).containsExactly(leaf.cert());
            ECPrivateKey key = (ECPrivateKey) Pem.decodePrivateKey(Files.readString(out.resolve("svid." + i + ".key")));
            assertThat(key.getS()).isEqualTo(((ECPrivateKey) leaf.keys().getPrivate()).getS());
            assertThat(Pem.decodeCertificates(Files.readString(out.resolve("bundle." + i + ".pem")))).containsExactly(ca.cert());
            assertThat(Files.getPosixFilePermissions(out.resolve("svid." + i + ".key")))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        }
    }

    @Test
    void fetchJsonFromTheEnvironmentSocket() throws Exception {
        TestCerts.Issued web = TestCerts.leaf(ca, "spiffe://example.org/web", expiry);
        api.addUpdate(X509SVIDResponse.newBuilder().addSvids(svid(web, "spiffe://example.org/web", "internal"))
                .putFederatedBundles("spiffe://other.org", ByteString.copyFrom(ca.cert().getEncoded())).build());

        Result r = CliRunner.run(Map.of("SPIFFE_ENDPOINT_SOCKET", "unix:" + socket), "api", "fetch", "x509", "-o", "json");

        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        JsonNode s = json.get("svids").get(0);
        assertThat(s.get("spiffe_id").asText()).isEqualTo("spiffe://example.org/web");
        assertThat(s.get("hint").asText()).isEqualTo("internal");
        assertThat(s.get("expires_at").asText()).isEqualTo(expiry.toString());
        assertThat(s.get("bundle_size").asInt()).isEqualTo(1);
        assertThat(s.get("files").isNull()).isTrue();
        assertThat(json.get("federated_bundles").get("spiffe://other.org").asInt()).isEqualTo(1);
    }

    @Test
    void permissionDeniedMeansNoIdentity() {
        api.endWith(Status.PERMISSION_DENIED.withDescription("no identity issued"));
        Result r = CliRunner.run(Map.of(), "api", "fetch", "x509", "--socket", socket.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: no identity issued for this process (PERMISSION_DENIED)\n");
    }

    @Test
    void otherStatusesShowTheirDescription() {
        api.endWith(Status.UNAVAILABLE.withDescription("workload attestation failed"));
        Result r = CliRunner.run(Map.of(), "api", "fetch", "x509", "--socket", socket.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: workload attestation failed\n");
    }

    @Test
    void timeoutWhenTheAgentSendsNothing() {
        Result r = CliRunner.run(Map.of(), "api", "fetch", "x509", "--socket", socket.toString(), "--timeout", "1s");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: timed out after 1s waiting for an X509-SVID from " + socket + "\n");
    }

    @Test
    void missingSocket() {
        Path absent = dir.resolve("absent.sock");
        Result r = CliRunner.run(Map.of(), "api", "fetch", "x509", "--socket", absent.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: cannot reach the Workload API at " + absent
                + ": is it running? (set --socket or SPIFFE_ENDPOINT_SOCKET)\n");
    }

    @Test
    void badEnvironmentAddressIsNamed() {
        Result r = CliRunner.run(Map.of("SPIFFE_ENDPOINT_SOCKET", "tcp://127.0.0.1:1"), "api", "fetch", "x509");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: SPIFFE_ENDPOINT_SOCKET: \"tcp://127.0.0.1:1\": tcp addresses are not supported");
    }

    @Test
    void watchPrintsOneLinePerUpdateUntilTheStreamEnds() throws Exception {
        TestCerts.Issued web = TestCerts.leaf(ca, "spiffe://example.org/web", expiry);
        TestCerts.Issued web2 = TestCerts.leaf(ca, "spiffe://example.org/web", expiry.plusSeconds(60));
        api.addUpdate(X509SVIDResponse.newBuilder().addSvids(svid(web, "spiffe://example.org/web", "")).build());
        api.addUpdate(X509SVIDResponse.newBuilder().addSvids(svid(web2, "spiffe://example.org/web", "")).build());
        api.endWith(Status.PERMISSION_DENIED);

        Result text = CliRunner.run(Map.of(), "api", "watch", "--socket", socket.toString());

        assertThat(text.code()).isEqualTo(1);
        assertThat(text.err()).isEqualTo("error: no identity issued for this process (PERMISSION_DENIED)\n");
        List<String> lines = text.out().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).endsWith(" update: spiffe://example.org/web (expires " + expiry + ")");
        assertThat(lines.get(1)).endsWith(" update: spiffe://example.org/web (expires " + expiry.plusSeconds(60) + ")");

        Result json = CliRunner.run(Map.of(), "api", "watch", "--socket", socket.toString(), "--output", "json");
        List<String> jsonLines = json.out().lines().toList();
        assertThat(jsonLines).hasSize(2);
        JsonNode second = new ObjectMapper().readTree(jsonLines.get(1));
        assertThat(second.get("svids").get(0).get("expires_at").asText()).isEqualTo(expiry.plusSeconds(60).toString());
        assertThat(api.securityHeaders()).containsOnly("true");
    }
}
