package dev.signet.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.signet.it.harness.CliResult;
import dev.signet.it.harness.ItDirs;
import dev.signet.it.harness.Pki;
import dev.signet.it.harness.RawWorkloadClient;
import dev.signet.it.harness.SharedCluster;
import dev.signet.it.harness.SignetAgent;
import dev.signet.it.harness.SignetServer;
import dev.signet.it.harness.Uids;
import dev.signet.it.harness.Uids.Uid;
import dev.signet.it.harness.Workload;
import dev.signet.proto.workload.JWTBundlesRequest;
import dev.signet.proto.workload.JWTSVIDRequest;
import dev.signet.proto.workload.SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIBlockingStub;
import dev.signet.proto.workload.ValidateJWTSVIDRequest;
import dev.signet.proto.workload.X509BundlesRequest;
import dev.signet.proto.workload.X509SVIDRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Workloads are attested by the agent from their peer credentials: each uid gets exactly the identities
 * registered for it, nothing else, and a client that omits the security header is turned away first.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class WorkloadIdentityTest {
    private static final Duration PROPAGATION = Duration.ofSeconds(30);

    private SignetServer server;
    private SignetAgent agent;

    @BeforeAll
    void cluster() {
        SharedCluster c = SharedCluster.get();
        server = c.server();
        agent = c.agent();
    }

    @Test
    void E7_W11_uidWithEntryGetsExactlyItsSpiffeIdAndAChainThatValidates() throws Exception {
        Uids.assumeRoot();
        Uid uid = Uids.named().orElseGet(Uids::unlisted);
        String id = SignetServer.id("/it/identity/uid-" + uid.uid());
        server.createEntry("--spiffe-id", id, "--any-node", "--selector", uid.selector());
        Path out = ItDirs.ownedDir(ItDirs.newDir("write").resolve("certs"), uid);

        CliResult r = Workload.fetchUntilOk(uid, agent.socket(), PROPAGATION, "--write", out.toString());

        JsonNode json = r.json();
        assertThat(json.get("svids")).as(r::toString).hasSize(1);
        JsonNode svid = json.get("svids").get(0);
        assertThat(svid.get("spiffe_id").asText()).as(r::toString).isEqualTo(id);
        assertThat(svid.get("hint").asText()).isEmpty();
        assertThat(svid.get("chain_length").asInt()).isEqualTo(1);
        assertThat(svid.get("bundle_size").asInt()).isEqualTo(1);
        assertThat(json.get("federated_bundles").size()).isZero();
        assertThat(svid.get("files").get("svid").asText()).isEqualTo(out.resolve("svid.0.pem").toString());
        assertThat(svid.get("files").get("key").asText()).isEqualTo(out.resolve("svid.0.key").toString());
        assertThat(svid.get("files").get("bundle").asText()).isEqualTo(out.resolve("bundle.0.pem").toString());

        List<X509Certificate> chain = Pki.certs(out.resolve("svid.0.pem"));
        List<X509Certificate> bundle = Pki.certs(out.resolve("bundle.0.pem"));
        X509Certificate leaf = chain.get(0);
        assertThat(chain).hasSize(1);
        assertThat(Pki.uriSans(leaf)).as("leaf URI SANs (X-1)").containsExactly(id);
        assertThat(leaf.getBasicConstraints()).as("leaf is not a CA (X-5)").isEqualTo(-1);
        assertThat(Instant.parse(svid.get("expires_at").asText())).isEqualTo(leaf.getNotAfter().toInstant());
        assertThat(Instant.parse(svid.get("not_before").asText())).isEqualTo(leaf.getNotBefore().toInstant());

        // The bundle the workload got is the trust domain's CA, as the server publishes it.
        assertThat(bundle).containsExactlyElementsOf(Pki.certs(server.cli("bundle", "show").ok().stdout().getBytes()));
        Pki.validate(chain, bundle); // Java PKIX; throws if the chain does not validate
        CliResult openssl = Pki.opensslVerify(out.resolve("bundle.0.pem"), out.resolve("svid.0.pem"), ItDirs.newDir("openssl"));
        assertThat(openssl.exit()).as(openssl::toString).isZero();
        assertThat(openssl.stdout().strip()).endsWith(": OK");

        Path key = out.resolve("svid.0.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).as("key file mode").isEqualTo("rw-------");
        assertThat(Files.getAttribute(key, "unix:uid")).as("key file owner").isEqualTo(uid.uid());
        assertThat(Pki.keyMatches(Pki.pkcs8(key, leaf.getPublicKey().getAlgorithm()), leaf)).as("key matches the leaf").isTrue();
    }

    @Test
    void E7_twoUidsGetDifferentSvids() {
        Uids.assumeRoot();
        Uid a = Uids.unlisted();
        Uid b = Uids.unlisted();
        String idA = SignetServer.id("/it/identity/a");
        String idB = SignetServer.id("/it/identity/b");
        server.createEntry("--spiffe-id", idA, "--any-node", "--selector", a.selector());
        server.createEntry("--spiffe-id", idB, "--any-node", "--selector", b.selector());

        CliResult ra = Workload.fetchUntilOk(a, agent.socket(), PROPAGATION);
        CliResult rb = Workload.fetchUntilOk(b, agent.socket(), PROPAGATION);

        assertThat(spiffeIds(ra)).as(ra::toString).containsExactly(idA);
        assertThat(spiffeIds(rb)).as(rb::toString).containsExactly(idB);
    }

    @Test
    void W13_uidWithoutEntryIsPermissionDenied() {
        Uids.assumeRoot();
        Uid stranger = Uids.unlisted();

        CliResult r = Workload.fetch(stranger, agent.socket());

        assertThat(r.exit()).as(r::toString).isEqualTo(1);
        assertThat(r.stdout()).as(r::toString).isEmpty();
        assertThat(r.stderr()).as(r::toString).isEqualTo("error: no identity issued for this process (PERMISSION_DENIED)\n");
    }

    @Test
    void E4_missingSecurityHeaderIsInvalidArgumentOnEveryRpcBeforeAttestation() {
        Map<String, Consumer<SpiffeWorkloadAPIBlockingStub>> rpcs = rpcs();
        try (RawWorkloadClient noHeader = RawWorkloadClient.open(agent.socket(), null)) {
            rpcs.forEach((name, call) -> assertThatThrownBy(() -> call.accept(noHeader.blocking()))
                    .as(name + " without the security header")
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).as(name).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).as(name).isEqualTo("security header missing from request");
                    }));
        }
        // The same caller (root, which has no entry) with the header gets past the check to attestation.
        try (RawWorkloadClient withHeader = RawWorkloadClient.open(agent.socket(), "true")) {
            assertThatThrownBy(withHeader::firstX509)
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"True", "TRUE", "1", "", "yes"})
    void E3_securityHeaderOtherThanLowercaseTrueIsRejected(String value) {
        try (RawWorkloadClient client = RawWorkloadClient.open(agent.socket(), value)) {
            assertThatThrownBy(client::firstX509)
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        }
    }

    static Map<String, Consumer<SpiffeWorkloadAPIBlockingStub>> rpcs() {
        Map<String, Consumer<SpiffeWorkloadAPIBlockingStub>> m = new LinkedHashMap<>();
        m.put("FetchX509SVID", s -> s.fetchX509SVID(X509SVIDRequest.getDefaultInstance()).hasNext());
        m.put("FetchX509Bundles", s -> s.fetchX509Bundles(X509BundlesRequest.getDefaultInstance()).hasNext());
        m.put("FetchJWTBundles", s -> s.fetchJWTBundles(JWTBundlesRequest.getDefaultInstance()).hasNext());
        m.put("FetchJWTSVID", s -> s.fetchJWTSVID(JWTSVIDRequest.newBuilder().addAudience("it").build()));
        m.put("ValidateJWTSVID", s -> s.validateJWTSVID(ValidateJWTSVIDRequest.newBuilder().setAudience("it").setSvid("x.y.z").build()));
        return m;
    }

    static List<String> spiffeIds(CliResult r) {
        return r.json().get("svids").findValuesAsText("spiffe_id");
    }
}
