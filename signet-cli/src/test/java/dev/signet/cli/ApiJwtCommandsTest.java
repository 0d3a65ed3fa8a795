package dev.signet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.signet.cli.testing.CliRunner;
import dev.signet.cli.testing.CliRunner.Result;
import dev.signet.cli.testing.FakeWorkloadApi;
import dev.signet.cli.testing.UdsServer;
import dev.signet.core.x509.Crypto;
import dev.signet.proto.workload.JWTBundlesResponse;
import dev.signet.proto.workload.JWTSVID;
import dev.signet.proto.workload.JWTSVIDRequest;
import dev.signet.proto.workload.JWTSVIDResponse;
import dev.signet.proto.workload.ValidateJWTSVIDRequest;
import dev.signet.proto.workload.ValidateJWTSVIDResponse;
import io.grpc.Status;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code api fetch jwt}, {@code api validate jwt} and {@code api fetch jwt-bundle} against a real gRPC server serving a fake Workload API. */
class ApiJwtCommandsTest {
    @TempDir
    Path dir;

    private final FakeWorkloadApi api = new FakeWorkloadApi();
    private final Instant expiry = Instant.now().plus(5, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
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

    private String token(String sub, List<String> aud) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k1").build(),
                new JWTClaimsSet.Builder().subject(sub).audience(aud).expirationTime(Date.from(expiry)).issueTime(new Date()).build());
        jwt.sign(new ECDSASigner((ECPrivateKey) Crypto.generate(Crypto.KeyType.EC_P256).getPrivate()));
        return jwt.serialize();
    }

    // ---- api fetch jwt ----

    @Test
    void fetchPrintsEachTokenWithItsIdHintAndExpiry() throws Exception {
        String web = token("spiffe://example.org/web", List.of("db", "cache"));
        String api2 = token("spiffe://example.org/api", List.of("db", "cache"));
        api.answerJwt(JWTSVIDResponse.newBuilder()
                .addSvids(JWTSVID.newBuilder().setSpiffeId("spiffe://example.org/web").setSvid(web).setHint("internal"))
                .addSvids(JWTSVID.newBuilder().setSpiffeId("spiffe://example.org/api").setSvid(api2))
                .build());

        Result r = CliRunner.run(Map.of(), "api", "fetch", "jwt", "--audience", "db", "--audience", "cache", "--socket", socket.toString());

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("Received 2 JWT-SVIDs after ")
                .contains("SPIFFE ID        : spiffe://example.org/web\nHint             : internal\nExpires at       : " + expiry
                        + "\nToken            : " + web + "\n")
                .contains("SPIFFE ID        : spiffe://example.org/api\nExpires at       : " + expiry + "\nToken            : " + api2 + "\n");
        assertThat(api.jwtRequests()).containsExactly(JWTSVIDRequest.newBuilder().addAudience("db").addAudience("cache").build());
        assertThat(api.securityHeaders()).containsExactly("true");
    }

    @Test
    void fetchJsonIsAnArrayAndTheSpiffeIdIsSent() throws Exception {
        String web = token("spiffe://example.org/web", List.of("db"));
        api.answerJwt(JWTSVIDResponse.newBuilder().addSvids(JWTSVID.newBuilder().setSpiffeId("spiffe://example.org/web").setSvid(web)).build());

        Result r = CliRunner.run(Map.of("SPIFFE_ENDPOINT_SOCKET", "unix://" + socket), "api", "fetch", "jwt", "--audience", "db",
                "--spiffe-id", "spiffe://example.org/web", "-o", "json");

        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.isArray()).isTrue();
        assertThat(json).hasSize(1);
        assertThat(json.get(0).get("spiffe_id").asText()).isEqualTo("spiffe://example.org/web");
        assertThat(json.get(0).get("token").asText()).isEqualTo(web);
        assertThat(json.get(0).get("hint").asText()).isEmpty();
        assertThat(json.get(0).get("expires_at").asText()).isEqualTo(expiry.toString());
        assertThat(api.jwtRequests()).containsExactly(
                JWTSVIDRequest.newBuilder().addAudience("db").setSpiffeId("spiffe://example.org/web").build());
    }

    @Test
    void fetchWithoutIdentityIsPermissionDenied() {
        api.answerJwt(Status.PERMISSION_DENIED.withDescription("no identity issued"));
        Result r = CliRunner.run(Map.of(), "api", "fetch", "jwt", "--audience", "db", "--socket", socket.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: no identity issued for this process (PERMISSION_DENIED)\n");

        Result one = CliRunner.run(Map.of(), "api", "fetch", "jwt", "--audience", "db", "--spiffe-id", "spiffe://example.org/admin",
                "--socket", socket.toString());
        assertThat(one.code()).isEqualTo(1);
        assertThat(one.err()).isEqualTo("error: no identity spiffe://example.org/admin issued for this process (PERMISSION_DENIED)\n");
    }

    @Test
    void fetchShowsTheAgentsReasonWhenItCannotMint() {
        api.answerJwt(Status.UNAVAILABLE.withDescription("could not fetch JWT-SVID: server: UNAVAILABLE: io exception"));
        Result r = CliRunner.run(Map.of(), "api", "fetch", "jwt", "--audience", "db", "--socket", socket.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: could not fetch JWT-SVID: server: UNAVAILABLE: io exception\n");
    }

    @Test
    void fetchRejectsAMalformedToken() {
        api.answerJwt(JWTSVIDResponse.newBuilder().addSvids(JWTSVID.newBuilder().setSpiffeId("spiffe://example.org/web").setSvid("nope")).build());
        Result r = CliRunner.run(Map.of(), "api", "fetch", "jwt", "--audience", "db", "--socket", socket.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: the Workload API sent a malformed JWT-SVID for spiffe://example.org/web: ");
    }

    // ---- api validate jwt ----

    private static ValidateJWTSVIDResponse valid() {
        Struct claims = Struct.newBuilder()
                .putFields("sub", Value.newBuilder().setStringValue("spiffe://example.org/web").build())
                .putFields("aud", Value.newBuilder().setListValue(ListValue.newBuilder().addValues(Value.newBuilder().setStringValue("db"))).build())
                .putFields("exp", Value.newBuilder().setNumberValue(1.7e9).build())
                .build();
        return ValidateJWTSVIDResponse.newBuilder().setSpiffeId("spiffe://example.org/web").setClaims(claims).build();
    }

    @Test
    void validatePrintsTheSpiffeIdAndClaims() throws Exception {
        api.answerJwt(valid());
        String token = token("spiffe://example.org/web", List.of("db"));

        Result r = CliRunner.run(Map.of(), "api", "validate", "jwt", "--audience", "db", "--svid", token, "--socket", socket.toString());

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("SVID is valid.\nSPIFFE ID        : spiffe://example.org/web\n"
                + "Claims           : {\"aud\":[\"db\"],\"exp\":1700000000,\"sub\":\"spiffe://example.org/web\"}\n");
        assertThat(api.jwtRequests()).containsExactly(ValidateJWTSVIDRequest.newBuilder().setAudience("db").setSvid(token).build());
    }

    @Test
    void validateJson() throws Exception {
        api.answerJwt(valid());
        Result r = CliRunner.run(Map.of(), "api", "validate", "jwt", "--audience", "db", "--svid", "a.b.c", "--socket", socket.toString(),
                "--output", "json");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.get("spiffe_id").asText()).isEqualTo("spiffe://example.org/web");
        assertThat(json.get("claims").get("aud").get(0).asText()).isEqualTo("db");
        assertThat(json.get("claims").get("exp").asLong()).isEqualTo(1_700_000_000L);
    }

    @Test
    void anInvalidTokenExitsOneWithTheAgentsReason() {
        api.answerJwt(Status.INVALID_ARGUMENT.withDescription("token has expired"));
        Result r = CliRunner.run(Map.of(), "api", "validate", "jwt", "--audience", "db", "--svid", "a.b.c", "--socket", socket.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: the JWT-SVID is not valid: token has expired\n");
        assertThat(r.out()).isEmpty();
    }

    // ---- api fetch jwt-bundle ----

    @Test
    void fetchJwtBundlePrintsTheJwksOfEachTrustDomain() throws Exception {
        String jwks = "{\"keys\":[{\"kty\":\"EC\",\"use\":\"jwt-svid\",\"kid\":\"k1\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}]}";
        api.jwtBundles(JWTBundlesResponse.newBuilder().putBundles("spiffe://example.org", ByteString.copyFromUtf8(jwks)).build());

        Result text = CliRunner.run(Map.of(), "api", "fetch", "jwt-bundle", "--socket", socket.toString());
        assertThat(text.code()).as(text.toString()).isZero();
        assertThat(text.out()).startsWith("spiffe://example.org:\n{\n").contains("\"kid\": \"k1\"");

        Result json = CliRunner.run(Map.of(), "api", "fetch", "jwt-bundle", "--socket", socket.toString(), "-o", "json");
        assertThat(json.code()).as(json.toString()).isZero();
        assertThat(new ObjectMapper().readTree(json.out()).get("bundles").get("spiffe://example.org").get("keys").get(0).get("kid").asText())
                .isEqualTo("k1");
    }

    @Test
    void fetchJwtBundleTimesOutWhenNothingArrives() {
        Result r = CliRunner.run(Map.of(), "api", "fetch", "jwt-bundle", "--socket", socket.toString(), "--timeout", "1s");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: timed out after 1s waiting for JWT bundles from " + socket + "\n");
    }

    // ---- usage ----

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        fetch without audience    | api fetch jwt                                              | missing required option: '--audience=AUDIENCE'
        fetch empty audience      | api fetch jwt --audience=                                  | --audience: must not be empty
        fetch bad spiffe id       | api fetch jwt --audience db --spiffe-id web                | --spiffe-id: invalid SPIFFE ID "web"
        validate without svid     | api validate jwt --audience db                             | missing required option: '--svid=TOKEN'
        validate without audience | api validate jwt --svid a.b.c                              | missing required option: '--audience=AUDIENCE'
        validate two audiences    | api validate jwt --svid a.b.c --audience a --audience b    | --audience
        """)
    void usageErrorsExitTwoBeforeAnyCall(String name, String commandLine, String expected) {
        String[] args = (commandLine.trim() + " --socket " + socket).split("\\s+");
        Result r = CliRunner.run(Map.of(), args);
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).as(r.toString()).startsWith("error: ").contains(expected);
        assertThat(api.jwtRequests()).isEmpty();
    }
}
