package dev.signet.agent.endpoints.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Value;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import dev.signet.agent.cache.WorkloadUpdate;
import dev.signet.agent.cache.X509Identity;
import dev.signet.agent.jwt.JwtSvid;
import dev.signet.agent.jwt.JwtSvidException;
import dev.signet.agent.jwt.TestJwts;
import dev.signet.core.bundle.JwtAuthority;
import dev.signet.core.bundle.TrustBundle;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.proto.workload.JWTBundlesRequest;
import dev.signet.proto.workload.JWTBundlesResponse;
import dev.signet.proto.workload.JWTSVID;
import dev.signet.proto.workload.JWTSVIDRequest;
import dev.signet.proto.workload.JWTSVIDResponse;
import dev.signet.proto.workload.ValidateJWTSVIDRequest;
import dev.signet.proto.workload.ValidateJWTSVIDResponse;
import dev.signet.proto.workload.X509BundlesRequest;
import dev.signet.proto.workload.X509SVIDRequest;
import dev.signet.testing.Poll;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JWT half of the Workload API (spiffe-rules.md W-1, W-5, W-8, W-18–W-26, E-4), through a real endpoint on a Unix socket. */
class WorkloadApiJwtTest {
    private static final String NO_HEADER = "security header missing from request";
    private static final TestJwts.Key K1 = TestJwts.es256("k1");
    private static final TestJwts.Key K2 = TestJwts.rsa("k2", com.nimbusds.jose.JWSAlgorithm.RS256);

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki("example.org");
    private final FakeIdentitySource source = new FakeIdentitySource();
    private final FakeAttestor attestor = new FakeAttestor();
    private WorkloadEndpoint endpoint;
    private WorkloadClient client;

    @BeforeEach
    void start() throws Exception {
        endpoint = new WorkloadEndpoint(WorkloadEndpoint.Config.defaults(dir.resolve("agent.sock")), source, List.of(attestor));
        endpoint.start();
        client = new WorkloadClient(endpoint.socketPath());
        // The fake server signs 5-minute tokens with K1 for whatever entry and audience it is asked.
        source.jwt = (entry, audience) -> {
            Instant now = Instant.now();
            String token = K1.sign(TestJwts.claims(entry.spiffeId().toString(), audience, now, 300));
            return new JwtSvid(entry.spiffeId(), token, audience, now, now.plusSeconds(300));
        };
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        endpoint.stop();
        source.close();
    }

    private WorkloadUpdate twoIdentities() {
        X509Identity a = pki.identity("e1", "/a", "first");
        X509Identity b = pki.identity("e2", "/b", "");
        return pki.update(List.of(K1.authority()), a, b);
    }

    private JWTSVIDResponse fetchJwt(String spiffeId, String... audience) {
        return client.blockingStub().fetchJWTSVID(JWTSVIDRequest.newBuilder().addAllAudience(List.of(audience)).setSpiffeId(spiffeId).build());
    }

    private ValidateJWTSVIDResponse validate(String audience, String token) {
        return client.blockingStub().validateJWTSVID(ValidateJWTSVIDRequest.newBuilder().setAudience(audience).setSvid(token).build());
    }

    private static void assertStatus(Runnable call, Status.Code code, String description) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
            if (description != null) {
                assertThat(e.getStatus().getDescription()).isEqualTo(description);
            }
        });
    }

    private WorkloadClient.Recorder<JWTBundlesResponse> fetchJwtBundles() {
        WorkloadClient.Recorder<JWTBundlesResponse> r = new WorkloadClient.Recorder<>();
        client.stub().fetchJWTBundles(JWTBundlesRequest.getDefaultInstance(), cast(r));
        return r;
    }

    @SuppressWarnings("unchecked")
    private static <T> StreamObserver<T> cast(WorkloadClient.Recorder<T> r) {
        return (StreamObserver<T>) (StreamObserver<?>) r;
    }

    // ---- W-1 / E-4 ----

    @Test
    void W1_noRpcIsUnimplemented() throws Exception {
        source.set(twoIdentities());
        assertThat(fetchJwt("", "db").getSvidsCount()).isEqualTo(2);
        assertThat(fetchJwtBundles().next().getBundlesCount()).isEqualTo(1);
        validate("db", fetchJwt("", "db").getSvids(0).getSvid());
        WorkloadClient.Recorder<dev.signet.proto.workload.X509SVIDResponse> x = new WorkloadClient.Recorder<>();
        client.stub().fetchX509SVID(X509SVIDRequest.getDefaultInstance(), cast(x));
        x.next();
        WorkloadClient.Recorder<dev.signet.proto.workload.X509BundlesResponse> xb = new WorkloadClient.Recorder<>();
        client.stub().fetchX509Bundles(X509BundlesRequest.getDefaultInstance(), cast(xb));
        xb.next();
    }

    @Test
    void E4_theHeaderIsCheckedBeforeTheRequest() throws Exception {
        var noHeader = client.stub(new String[0]);
        WorkloadClient.Recorder<JWTSVIDResponse> f = new WorkloadClient.Recorder<>();
        noHeader.fetchJWTSVID(JWTSVIDRequest.getDefaultInstance(), cast(f));
        f.assertFailedWithoutMessages(Status.Code.INVALID_ARGUMENT, NO_HEADER);
        WorkloadClient.Recorder<ValidateJWTSVIDResponse> v = new WorkloadClient.Recorder<>();
        noHeader.validateJWTSVID(ValidateJWTSVIDRequest.getDefaultInstance(), cast(v));
        v.assertFailedWithoutMessages(Status.Code.INVALID_ARGUMENT, NO_HEADER);
        assertThat(attestor.callers).isEmpty();
    }

    // ---- W-8: mandatory fields ----

    @Test
    void W8_fetchWithoutAudienceIsInvalidArgumentBeforeAttestation() {
        source.set(twoIdentities());
        assertStatus(() -> fetchJwt(""), Status.Code.INVALID_ARGUMENT, "audience must be specified");
        assertStatus(() -> fetchJwt("", "db", ""), Status.Code.INVALID_ARGUMENT, "audience must be specified");
        assertThat(attestor.callers).isEmpty();
        assertThat(source.jwtRequests).isEmpty();
    }

    @Test
    void W8_validateWithoutAudienceOrSvidIsInvalidArgument() {
        source.set(twoIdentities());
        assertStatus(() -> validate("", "x.y.z"), Status.Code.INVALID_ARGUMENT, "audience must be specified");
        assertStatus(() -> validate("db", ""), Status.Code.INVALID_ARGUMENT, "svid must be specified");
        assertStatus(() -> validate("", ""), Status.Code.INVALID_ARGUMENT, "audience must be specified");
        assertThat(attestor.callers).isEmpty();
    }

    @Test
    void W21_malformedSpiffeIdIsInvalidArgument() {
        source.set(twoIdentities());
        assertThatThrownBy(() -> fetchJwt("spiffe://Example.org/a", "db")).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).startsWith("invalid requested SPIFFE ID: ");
        });
        assertThat(source.jwtRequests).isEmpty();
    }

    // ---- FetchJWTSVID ----

    @Test
    void W18_W19_W20_allIdentitiesInEntryOrderEachWithTheRequestedAudiences() throws Exception {
        source.set(twoIdentities());
        JWTSVIDResponse r = fetchJwt("", "db", "cache");

        assertThat(r.getSvidsList()).extracting(JWTSVID::getSpiffeId).containsExactly("spiffe://example.org/a", "spiffe://example.org/b");
        assertThat(r.getSvidsList()).extracting(JWTSVID::getHint).containsExactly("first", "");
        for (JWTSVID svid : r.getSvidsList()) {
            SignedJWT jwt = SignedJWT.parse(svid.getSvid());
            assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo(svid.getSpiffeId());
            assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactlyInAnyOrder("db", "cache");
            assertThat(jwt.getJWTClaimsSet().getExpirationTime()).isInTheFuture();
        }
        assertThat(source.jwtRequests).containsExactly("e1 [db, cache]", "e2 [db, cache]");
    }

    @Test
    void W19_spiffeIdSelectsExactlyThatIdentity() throws Exception {
        source.set(twoIdentities());
        JWTSVIDResponse r = fetchJwt("spiffe://example.org/b", "db");
        assertThat(r.getSvidsList()).singleElement().satisfies(s -> {
            assertThat(s.getSpiffeId()).isEqualTo("spiffe://example.org/b");
            assertThat(SignedJWT.parse(s.getSvid()).getJWTClaimsSet().getSubject()).isEqualTo("spiffe://example.org/b");
        });
        assertThat(source.jwtRequests).containsExactly("e2 [db]");
    }

    @Test
    void W21_noIdentityOrSomeoneElsesIdIsPermissionDenied() {
        source.set(pki.noIdentity(false));
        assertStatus(() -> fetchJwt("", "db"), Status.Code.PERMISSION_DENIED, "no identity issued");
        source.set(twoIdentities());
        assertStatus(() -> fetchJwt("spiffe://example.org/admin", "db"), Status.Code.PERMISSION_DENIED, "no identity issued");
        assertThat(source.jwtRequests).isEmpty();
    }

    @Test
    void entriesWhoseX509SvidIsStillBeingMintedGetJwtSvids() {
        X509Identity a = pki.identity("e1", "/a", "");
        source.set(new WorkloadUpdate(pki.trustDomain, List.of(), new TrustBundle(pki.trustDomain, List.of(pki.ca), List.of(K1.authority()), 1, null),
                true, List.of(a.entry())));
        assertThat(fetchJwt("", "db").getSvids(0).getSpiffeId()).isEqualTo("spiffe://example.org/a");
    }

    @Test
    void aTokenThatCannotBeHadFailsTheCallUnavailable() {
        source.set(twoIdentities());
        source.jwt = (entry, audience) -> {
            throw new JwtSvidException("server: UNAVAILABLE: io exception");
        };
        assertStatus(() -> fetchJwt("", "db"), Status.Code.UNAVAILABLE, "could not fetch JWT-SVID: server: UNAVAILABLE: io exception");
    }

    @Test
    void aTokenForAnotherIdentityIsNeverHandedOut() {
        source.set(twoIdentities());
        source.jwt = (entry, audience) -> {
            Instant now = Instant.now();
            SpiffeId admin = SpiffeId.parse("spiffe://example.org/admin");
            return new JwtSvid(admin, K1.sign(TestJwts.claims(admin.toString(), audience, now, 300)), audience, now, now.plusSeconds(300));
        };
        assertStatus(() -> fetchJwt("", "db"), Status.Code.UNAVAILABLE, null);
    }

    @Test
    void E8_notReadyAndAttestationFailureAreUnavailable() {
        source.set(twoIdentities());
        source.setReady(false);
        assertStatus(() -> fetchJwt("", "db"), Status.Code.UNAVAILABLE, "agent is not ready to serve workloads yet");
        assertStatus(() -> validate("db", "a.b.c"), Status.Code.UNAVAILABLE, "agent is not ready to serve workloads yet");
        source.setReady(true);
        attestor.failure = "cannot read /proc";
        assertStatus(() -> fetchJwt("", "db"), Status.Code.UNAVAILABLE, "workload attestation failed");
        assertStatus(() -> validate("db", "a.b.c"), Status.Code.UNAVAILABLE, "workload attestation failed");
    }

    // ---- FetchJWTBundles ----

    @Test
    void W5_W22_firstMessageIsPromptAndAStandardJwksOfJwtKeysOnly() throws Exception {
        source.set(pki.update(List.of(K1.authority(), K2.authority()), pki.identity("e1", "/a", "")));
        long started = System.nanoTime();
        WorkloadClient.Recorder<JWTBundlesResponse> r = fetchJwtBundles();
        Poll.until(Duration.ofSeconds(2), "the first FetchJWTBundles message", () -> !r.messages.isEmpty());
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));

        JWTBundlesResponse first = r.next();
        assertThat(first.getBundlesMap()).containsOnlyKeys("spiffe://example.org");
        String json = first.getBundlesMap().get("spiffe://example.org").toString(StandardCharsets.UTF_8);
        JWKSet set = JWKSet.parse(json);
        assertThat(set.getKeys()).extracting(JWK::getKeyID).containsExactly("k1", "k2");
        for (JWK k : set.getKeys()) {
            assertThat(k.getKeyType().getValue()).isIn("EC", "RSA");
            assertThat(k.getX509CertChain()).as("no x5c (W-22)").isNull();
            assertThat(k.getKeyUse() == null || k.getKeyUse().identifier().equals("jwt-svid")).isTrue();
            assertThat(k.isPrivate()).isFalse();
        }
        ECKey ec = (ECKey) set.getKeyByKeyId("k1");
        assertThat(ec.getX().decode()).as("fixed-length x (go-spiffe)").hasSize(32);
        assertThat(ec.getY().decode()).hasSize(32);
        assertThat(ec.toECPublicKey()).isEqualTo(K1.pair().getPublic());
        assertThat(json).doesNotContain("spiffe_sequence").doesNotContain(pki.trustDomain.name() + " test CA");
        assertThat(r.status).isNotDone();
    }

    @Test
    void W6_aJwtKeyRotationReachesTheOpenStreamAndNothingElseDoes() throws Exception {
        X509Identity a = pki.identity("e1", "/a", "");
        source.set(pki.update(List.of(K1.authority()), a));
        WorkloadClient.Recorder<JWTBundlesResponse> r = fetchJwtBundles();
        assertThat(keyIds(r.next())).containsExactly("k1");

        source.set(pki.update(List.of(K1.authority()), pki.identity("e1", "/a", ""))); // X.509 rotation only: no message
        source.set(pki.update(List.of(K1.authority(), K2.authority()), a));
        assertThat(keyIds(r.next())).as("the next message is the key rotation").containsExactly("k1", "k2");
        source.set(pki.update(List.of(K2.authority()), a));
        assertThat(keyIds(r.next())).containsExactly("k2");
        assertThat(r.messages).isEmpty();
        assertThat(r.status).isNotDone();
    }

    @Test
    void aTrustDomainWithoutJwtKeysGetsAnEmptyKeySet() throws Exception {
        source.set(pki.update(pki.identity("e1", "/a", "")));
        JWTBundlesResponse r = fetchJwtBundles().next();
        assertThat(JWKSet.parse(r.getBundlesMap().get("spiffe://example.org").toString(StandardCharsets.UTF_8)).getKeys()).isEmpty();
    }

    @Test
    void W23_jwtBundlesForACallerWithoutIdentityArePermissionDenied() throws Exception {
        source.set(pki.noIdentity(false));
        fetchJwtBundles().assertFailedWithoutMessages(Status.Code.PERMISSION_DENIED, "no identity issued");
    }

    // ---- ValidateJWTSVID ----

    @Test
    void W24_W25_W26_aValidTokenGivesItsSpiffeIdAndClaims() throws Exception {
        source.set(twoIdentities());
        String token = fetchJwt("spiffe://example.org/a", "db").getSvids(0).getSvid();
        ValidateJWTSVIDResponse r = validate("db", token);

        assertThat(r.getSpiffeId()).isEqualTo("spiffe://example.org/a");
        Map<String, Value> claims = r.getClaims().getFieldsMap();
        assertThat(claims.get("sub").getStringValue()).isEqualTo("spiffe://example.org/a");
        assertThat(claims.get("aud").getListValue().getValuesList()).extracting(Value::getStringValue).containsExactly("db");
        assertThat(claims.get("exp").getNumberValue()).isEqualTo((double) SignedJWT.parse(token).getJWTClaimsSet().getExpirationTime().getTime() / 1000);
        assertThat(claims.get("iat").hasNumberValue()).isTrue();
    }

    @Test
    void W25_aSingleStringAudIsReturnedAsAList() {
        source.set(twoIdentities());
        Map<String, Object> c = TestJwts.claims("spiffe://example.org/a", List.of(), Instant.now(), 300);
        c.put("aud", "db");
        ValidateJWTSVIDResponse r = validate("db", K1.sign(c));
        assertThat(r.getClaims().getFieldsMap().get("aud").getListValue().getValuesList()).extracting(Value::getStringValue).containsExactly("db");
    }

    @Test
    void validationNeedsAttestationButNoIdentity() {
        source.set(pki.update(List.of(K1.authority())));
        assertThat(source.current(java.util.Set.of()).identities()).isEmpty();
        String token = K1.sign(TestJwts.claims("spiffe://example.org/anyone", List.of("db"), Instant.now(), 300));
        assertThat(validate("db", token).getSpiffeId()).isEqualTo("spiffe://example.org/anyone");
        assertThat(attestor.callers).hasSize(1);
    }

    @Test
    void W24_anyValidationFailureIsInvalidArgumentWithTheReason() {
        source.set(twoIdentities());
        Instant now = Instant.now();
        assertStatus(() -> validate("db", K1.sign(TestJwts.claims("spiffe://example.org/a", List.of("db"), now.minusSeconds(600), 300))),
                Status.Code.INVALID_ARGUMENT, "token has expired");
        assertStatus(() -> validate("web", K1.sign(TestJwts.claims("spiffe://example.org/a", List.of("db"), now, 300))),
                Status.Code.INVALID_ARGUMENT, "expected audience in [\"web\"] (audience=[\"db\"])");
        assertStatus(() -> validate("db", K1.sign(TestJwts.claims("spiffe://other.org/a", List.of("db"), now, 300))),
                Status.Code.INVALID_ARGUMENT, "no keys found for trust domain \"other.org\"");
        assertStatus(() -> validate("db", K2.sign(TestJwts.claims("spiffe://example.org/a", List.of("db"), now, 300))),
                Status.Code.INVALID_ARGUMENT, "no JWT authority \"k2\" found for trust domain \"example.org\"");
        assertStatus(() -> validate("db", "not a token"), Status.Code.INVALID_ARGUMENT, "token is not a JWS in compact serialization");
    }

    private static List<String> keyIds(JWTBundlesResponse r) throws Exception {
        return JWKSet.parse(r.getBundlesMap().get("spiffe://example.org").toString(StandardCharsets.UTF_8)).getKeys().stream()
                .map(JWK::getKeyID).toList();
    }
}
