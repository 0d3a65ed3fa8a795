package dev.signet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.signet.cli.testing.CliRunner;
import dev.signet.cli.testing.CliRunner.Result;
import dev.signet.cli.testing.FakeAdminApi;
import dev.signet.cli.testing.TestCerts;
import dev.signet.cli.testing.UdsServer;
import dev.signet.core.bundle.SpiffeBundleJson;
import dev.signet.core.bundle.TrustBundle;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Pem;
import dev.signet.proto.common.v1.Bundle;
import dev.signet.proto.common.v1.JWTAuthority;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code signet bundle show --format pem|spiffe} against a fake admin API. */
class BundleShowTest {
    @TempDir
    Path dir;

    private final FakeAdminApi api = new FakeAdminApi();
    private UdsServer server;
    private Path socket;
    private X509Certificate ca;
    private KeyPair jwtKey;

    @BeforeEach
    void start() throws Exception {
        socket = dir.resolve("server.sock");
        server = UdsServer.start(socket, api);
        ca = TestCerts.ca("example.org").cert();
        jwtKey = TestCerts.ecKey();
        api.setBundle(Bundle.newBuilder().setTrustDomain("example.org").setSequence(7).setRefreshHintSeconds(300)
                .addX509Authorities(ByteString.copyFrom(ca.getEncoded()))
                .addJwtAuthorities(JWTAuthority.newBuilder().setKeyId("kid-1")
                        .setPublicKey(ByteString.copyFrom(jwtKey.getPublic().getEncoded())).setExpiresAtUnix(1_900_000_000L))
                .build());
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private Result signet(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--server-socket");
        all.add(socket.toString());
        return CliRunner.run(Map.of(), all.toArray(String[]::new));
    }

    @Test
    void spiffeFormatPrintsTheSpiffeBundleWithX509AndJwtAuthorities() throws Exception {
        Result r = signet("bundle", "show", "--format", "spiffe");

        assertThat(r.code()).as(r.err()).isZero();
        TrustBundle b = SpiffeBundleJson.parse(new TrustDomain("example.org"), r.out());
        assertThat(b.x509Authorities()).containsExactly(ca);
        assertThat(b.jwtAuthority("kid-1").orElseThrow().publicKey().getEncoded()).isEqualTo(jwtKey.getPublic().getEncoded());
        assertThat(b.sequence()).isEqualTo(7);
        assertThat(b.refreshHint()).isEqualTo(Duration.ofSeconds(300));
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.get("spiffe_sequence").isIntegralNumber()).isTrue();
        assertThat(json.get("keys").get(0).get("use").asText()).isEqualTo("x509-svid");
        assertThat(json.get("keys").get(1).get("use").asText()).isEqualTo("jwt-svid");
        assertThat(json.get("keys").get(1).get("kid").asText()).isEqualTo("kid-1");
    }

    @Test
    void pemIsTheDefaultAndHoldsOnlyCertificatesWhileItsJsonFormListsTheJwtKeysToo() throws Exception {
        Result pem = signet("bundle", "show");
        assertThat(pem.code()).isZero();
        assertThat(Pem.decodeCertificates(pem.out())).containsExactly(ca);
        assertThat(pem.out()).doesNotContain("PUBLIC KEY");
        assertThat(signet("bundle", "show", "--format", "PEM").out()).isEqualTo(pem.out());

        JsonNode json = new ObjectMapper().readTree(signet("bundle", "show", "--output", "json").out());
        assertThat(json.get("jwt_authorities")).hasSize(1);
        assertThat(json.get("jwt_authorities").get(0).get("key_id").asText()).isEqualTo("kid-1");
        assertThat(json.get("jwt_authorities").get(0).get("expires_at_unix").asLong()).isEqualTo(1_900_000_000L);
        assertThat(json.get("jwt_authorities").get(0).get("public_key").asText()).startsWith("-----BEGIN PUBLIC KEY-----");
    }

    @Test
    void anUnknownFormatNamesTheSupportedOnes() {
        Result r = signet("bundle", "show", "--format", "der");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("--format: unsupported format \"der\" (supported: pem, spiffe)");
    }
}
