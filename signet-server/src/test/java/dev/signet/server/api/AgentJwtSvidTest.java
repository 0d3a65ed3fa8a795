package dev.signet.server.api;

import static dev.signet.server.api.TestServer.assertStatus;
import static dev.signet.server.api.TestServer.entry;
import static dev.signet.server.api.TestServer.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.signet.core.bundle.BundleProtos;
import dev.signet.core.bundle.JwtAuthority;
import dev.signet.core.bundle.TrustBundle;
import dev.signet.proto.admin.v1.GetBundleRequest;
import dev.signet.proto.agent.v1.AgentApiGrpc;
import dev.signet.proto.agent.v1.NewJWTSVIDRequest;
import dev.signet.proto.agent.v1.NewJWTSVIDResponse;
import dev.signet.proto.agent.v1.SyncAuthorizedResponse;
import dev.signet.proto.common.v1.Entry;
import dev.signet.server.ca.JwtAlgorithm;
import dev.signet.server.ca.JwtSigningKey;
import dev.signet.server.config.ServerConfig;
import dev.signet.testing.ManualClock;
import io.grpc.Status;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * NewJWTSVID through a real server, named by the rules of spiffe-rules.md §1.C it checks: only for entries
 * authorized for the calling agent, exactly the requested audiences, header {alg, kid, typ} and nothing
 * else, signed by a key that agents already have in their bundle.
 */
class AgentJwtSvidTest {
    private static final String COMPACT = "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$";

    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private TestServer ts;
    private TestServer.AgentIdentity agent;
    private TestServer.AgentIdentity other;

    private void start(UnaryOperator<ServerConfig> customize) throws Exception {
        ts = TestServer.start(dir, clock, customize);
        agent = ts.attestNew(Map.of("env", "prod"));
        other = ts.attestNew(Map.of("env", "dev"));
        ts.createEntry(entry("web", "spiffe://td/web").setParentId(agent.id().toString()).build());
        ts.createEntry(entry("db", "spiffe://td/db").setParentId(other.id().toString()).build());
    }

    private void start() throws Exception {
        start(c -> c);
    }

    @AfterEach
    void stop() {
        if (ts != null) {
            ts.close();
        }
    }

    private static NewJWTSVIDRequest request(String entryId, String... audience) {
        return NewJWTSVIDRequest.newBuilder().setEntryId(entryId).addAllAudience(List.of(audience)).build();
    }

    private NewJWTSVIDResponse mint(TestServer.AgentIdentity as, String entryId, String... audience) {
        return ts.as(as).newJWTSVID(request(entryId, audience));
    }

    private TrustBundle bundle() {
        return BundleProtos.fromProto(ts.admin().getBundle(GetBundleRequest.getDefaultInstance()));
    }

    static Map<String, Object> header(String token) throws Exception {
        return JSONObjectUtils.parse(new Base64URL(token.split("\\.")[0]).decodeToString());
    }

    static Map<String, Object> claims(String token) throws Exception {
        return JSONObjectUtils.parse(new Base64URL(token.split("\\.")[1]).decodeToString());
    }

    static JWSVerifier verifier(PublicKey key) throws Exception {
        return key instanceof ECPublicKey ec ? new ECDSAVerifier(ec) : new RSASSAVerifier((RSAPublicKey) key);
    }

    /** Verifies the token's signature with the key its kid names in {@code bundle}; returns that key. */
    static JwtAuthority assertSignedByBundleKey(String token, TrustBundle bundle) throws Exception {
        JWSObject jws = JWSObject.parse(token);
        JwtAuthority key = bundle.jwtAuthority(jws.getHeader().getKeyID())
                .orElseThrow(() -> new AssertionError("kid " + jws.getHeader().getKeyID() + " is not in the bundle"));
        assertThat(jws.verify(verifier(key.publicKey()))).as("signature verifies with the published key").isTrue();
        return key;
    }

    @Test
    void J1_J2_J3_J4_J5_J6_J7_J8_J9_compactTokenWithExactlyAlgKidTypAndSubAudExpIatSignedByAPublishedKey() throws Exception {
        start();
        Instant now = clock.instant();

        NewJWTSVIDResponse r = mint(agent, "web", "spiffe://td/db");
        String token = r.getToken();

        assertThat(token).as("J-1 JWS compact serialization").matches(COMPACT);
        Map<String, Object> header = header(token);
        assertThat(header.keySet()).as("J-2 header has no members but alg, kid, typ").containsExactlyInAnyOrder("alg", "kid", "typ");
        assertThat(header.get("alg")).as("J-3 (ES256 by default)").isEqualTo("ES256");
        assertThat((String) header.get("kid")).as("J-4").isNotEmpty().hasSize(32).matches("[A-Za-z0-9_-]+");
        assertThat(bundle().jwtAuthority((String) header.get("kid"))).as("J-4 kid is in the bundle").isPresent();
        assertThat(header.get("typ")).as("J-5").isEqualTo("JWT");

        Map<String, Object> claims = claims(token);
        assertThat(claims.keySet()).containsExactlyInAnyOrder("sub", "aud", "exp", "iat");
        assertThat(claims.get("sub")).as("J-6").isEqualTo("spiffe://td/web");
        assertThat(claims.get("aud")).as("J-7/J-8 aud is an array of exactly the one requested audience")
                .isInstanceOf(List.class).isEqualTo(List.of("spiffe://td/db"));
        assertThat(((Number) claims.get("iat")).longValue()).as("J-9 iat").isEqualTo(now.getEpochSecond());
        assertThat(((Number) claims.get("exp")).longValue()).as("J-9 exp is iat + default_jwt_svid_ttl")
                .isEqualTo(now.plus(TestServer.DEFAULT_JWT_TTL).getEpochSecond());
        assertThat(r.getIssuedAtUnix()).isEqualTo(now.getEpochSecond());
        assertThat(r.getExpiresAtUnix()).isEqualTo(now.plus(TestServer.DEFAULT_JWT_TTL).getEpochSecond());

        assertSignedByBundleKey(token, bundle());
        // ID-9 / J-10: a changed payload no longer verifies.
        String[] parts = token.split("\\.");
        String forged = parts[0] + "." + Base64URL.encode(new Base64URL(parts[1]).decodeToString()
                .replace("spiffe://td/web", "spiffe://td/wex")) + "." + parts[2];
        JWSObject f = JWSObject.parse(forged);
        assertThat(f.verify(verifier(bundle().jwtAuthority(f.getHeader().getKeyID()).orElseThrow().publicKey()))).isFalse();
    }

    @Test
    void J7_severalAudiencesAreExactlyTheRequestedOnesInOrder() throws Exception {
        start();
        String token = mint(agent, "web", "b", "a", "spiffe://td/x").getToken();
        assertThat(claims(token).get("aud")).isEqualTo(List.of("b", "a", "spiffe://td/x"));
    }

    @Test
    void ttlComesFromTheEntryAndIsCappedAtTheSigningKeysExpiry() throws Exception {
        start();
        ts.createEntry(entry("short", "spiffe://td/short").setParentId(agent.id().toString()).setJwtTtlSeconds(90).build());
        ts.createEntry(entry("long", "spiffe://td/long").setParentId(agent.id().toString()).setJwtTtlSeconds(24 * 3600).build());
        AgentApiGrpc.AgentApiBlockingStub stub = ts.as(agent); // one connection, kept across the clock jump

        NewJWTSVIDResponse shortOne = stub.newJWTSVID(request("short", "x"));
        assertThat(shortOne.getExpiresAtUnix() - shortOne.getIssuedAtUnix()).isEqualTo(90);

        clock.advance(Duration.ofHours(15)); // the signing key has 9 hours left
        NewJWTSVIDResponse capped = stub.newJWTSVID(request("long", "x"));
        JwtSigningKey signer = ts.server.jwtKeys().current();
        assertThat(JWSObject.parse(capped.getToken()).getHeader().getKeyID()).isEqualTo(signer.keyId());
        assertThat(capped.getExpiresAtUnix()).isEqualTo(signer.notAfter().getEpochSecond());
        assertThat(((Number) claims(capped.getToken()).get("exp")).longValue()).isEqualTo(signer.notAfter().getEpochSecond());
    }

    @Test
    void anEntryNotAuthorizedForTheCallingAgentIsRefused() throws Exception {
        start();
        assertStatus(failure(() -> mint(agent, "db", "x")), Status.Code.NOT_FOUND, "entry not found or not authorized");
        assertStatus(failure(() -> mint(agent, "no-such-entry", "x")), Status.Code.NOT_FOUND, "entry not found or not authorized");
        assertThat(claims(mint(other, "db", "x").getToken()).get("sub")).isEqualTo("spiffe://td/db");
        assertThat(failure(() -> ts.anonymous().newJWTSVID(request("web", "x"))).getCode())
                .isIn(Status.Code.UNAUTHENTICATED, Status.Code.PERMISSION_DENIED);
    }

    @Test
    void audienceIsRequiredAndEveryValueNonEmpty() throws Exception {
        start();
        assertStatus(failure(() -> mint(agent, "web")), Status.Code.INVALID_ARGUMENT, "audience must be specified");
        assertStatus(failure(() -> mint(agent, "web", "a", "")), Status.Code.INVALID_ARGUMENT, "empty");
        assertStatus(failure(() -> mint(agent, "", "a")), Status.Code.INVALID_ARGUMENT, "entry_id");
        assertStatus(failure(() -> mint(agent, "web", "x".repeat(1025))), Status.Code.INVALID_ARGUMENT, "longer than");
    }

    @Test
    void eachAgentHasItsOwnRateLimitRefilledWithTheClock() throws Exception {
        start(c -> c.withJwt(JwtAlgorithm.ES256, null, 3, null));
        AgentApiGrpc.AgentApiBlockingStub stub = ts.as(agent);
        for (int i = 0; i < 3; i++) {
            stub.newJWTSVID(request("web", "x"));
        }
        assertStatus(failure(() -> stub.newJWTSVID(request("web", "x"))), Status.Code.RESOURCE_EXHAUSTED, "rate limit");
        assertThat(mint(other, "db", "x").getToken()).as("another agent is not limited by this one").matches(COMPACT);

        clock.advance(Duration.ofMillis(400)); // 1.2 tokens refilled
        stub.newJWTSVID(request("web", "x"));
        assertStatus(failure(() -> stub.newJWTSVID(request("web", "x"))), Status.Code.RESOURCE_EXHAUSTED, "rate limit");
        clock.advance(Duration.ofSeconds(1));
        for (int i = 0; i < 3; i++) {
            stub.newJWTSVID(request("web", "x"));
        }
    }

    @ParameterizedTest
    @EnumSource(value = JwtAlgorithm.class, names = {"RS256", "PS256", "ES384"})
    void J3_otherConfiguredAlgorithmsSignAndVerify(JwtAlgorithm alg) throws Exception {
        start(c -> c.withJwt(alg, null, ServerConfig.DEFAULT_JWT_SVID_RATE_LIMIT, null));
        String token = mint(agent, "web", "x").getToken();

        Map<String, Object> header = header(token);
        assertThat(header.keySet()).containsExactlyInAnyOrder("alg", "kid", "typ");
        assertThat(header.get("alg")).isEqualTo(alg.name());
        JwtAuthority key = assertSignedByBundleKey(token, bundle());
        assertThat(key.publicKey().getAlgorithm()).isEqualTo(alg.name().startsWith("ES") ? "EC" : "RSA");
    }

    @Test
    void issClaimOnlyWhenJwtIssuerIsConfigured() throws Exception {
        start(c -> c.withJwt(JwtAlgorithm.ES256, "https://oidc.td.test", 100, null));
        Map<String, Object> claims = claims(mint(agent, "web", "x").getToken());
        assertThat(claims.keySet()).containsExactlyInAnyOrder("iss", "sub", "aud", "exp", "iat");
        assertThat(claims.get("iss")).isEqualTo("https://oidc.td.test");
    }

    @Test
    void entryJwtTtlRoundTripsThroughTheAdminApiAndSync() throws Exception {
        start();
        Entry created = ts.createEntry(entry("t", "spiffe://td/t").setParentId(agent.id().toString()).setJwtTtlSeconds(120).build());
        assertThat(created.getJwtTtlSeconds()).isEqualTo(120);
        assertThat(ts.admin().getEntry(dev.signet.proto.admin.v1.EntryRef.newBuilder().setId("t").build()).getJwtTtlSeconds())
                .isEqualTo(120);
        Entry updated = ts.admin().updateEntry(created.toBuilder().setJwtTtlSeconds(0).build());
        assertThat(updated.getJwtTtlSeconds()).as("0 = the server default").isZero();
        assertStatus(failure(() -> ts.admin().updateEntry(created.toBuilder().setJwtTtlSeconds(25 * 3600).build())),
                Status.Code.INVALID_ARGUMENT, "jwt_ttl");
        assertStatus(failure(() -> ts.admin().updateEntry(created.toBuilder().setJwtTtlSeconds(-1).build())),
                Status.Code.INVALID_ARGUMENT, "jwt_ttl");

        ts.admin().updateEntry(created);
        try (SyncStream s = SyncStream.open(ts.asyncAs(agent))) {
            SyncAuthorizedResponse m = s.next();
            assertThat(m.getEntriesList()).filteredOn(e -> e.getId().equals("t")).singleElement()
                    .extracting(Entry::getJwtTtlSeconds).isEqualTo(120);
        }
    }

    @Test
    void F2_agentsReceiveANewKeyInTheirBundleLongBeforeItSigns() throws Exception {
        start();
        AgentApiGrpc.AgentApiBlockingStub stub = ts.as(agent);
        String firstKid = JWSObject.parse(stub.newJWTSVID(request("web", "x")).getToken()).getHeader().getKeyID();
        try (SyncStream s = SyncStream.open(ts.asyncAs(agent))) {
            SyncAuthorizedResponse initial = s.next();
            assertThat(initial.getBundle().getJwtAuthoritiesList()).extracting(a -> a.getKeyId()).containsExactly(firstKid);
            TrustBundle initialBundle = BundleProtos.fromProto(initial.getBundle());
            assertThat(initialBundle.jwtAuthority(firstKid).orElseThrow().expiresAt())
                    .isEqualTo(ts.server.jwtKeys().current().notAfter().truncatedTo(ChronoUnit.SECONDS));

            clock.advance(Duration.ofHours(12).plusMinutes(1)); // half the key's life: a successor is prepared
            ts.server.jwtKeys().rotateIfDue();
            SyncAuthorizedResponse withNext = s.next();
            while (withNext.getBundle().getJwtAuthoritiesCount() < 2) {
                withNext = s.next();
            }
            assertThat(withNext.getBundle().getSequence()).isGreaterThan(initial.getBundle().getSequence());
            String nextKid = withNext.getBundle().getJwtAuthorities(1).getKeyId();
            assertThat(nextKid).isNotEqualTo(firstKid);
            assertThat(JWSObject.parse(stub.newJWTSVID(request("web", "x")).getToken()).getHeader().getKeyID())
                    .as("the prepared key does not sign yet").isEqualTo(firstKid);

            clock.advance(Duration.ofHours(8)); // a sixth of the key's life left: the successor signs
            ts.server.jwtKeys().rotateIfDue();
            String token = stub.newJWTSVID(request("web", "x")).getToken();
            assertThat(JWSObject.parse(token).getHeader().getKeyID()).isEqualTo(nextKid);
            assertSignedByBundleKey(token, BundleProtos.fromProto(withNext.getBundle()));
        }
    }
}
