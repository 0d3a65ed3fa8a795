package dev.signet.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Pem;
import dev.signet.it.harness.CliResult;
import dev.signet.it.harness.SharedCluster;
import dev.signet.it.harness.SignetAgent;
import dev.signet.it.harness.SignetServer;
import dev.signet.it.harness.Uids;
import dev.signet.it.harness.Uids.Uid;
import dev.signet.it.harness.Workload;
import dev.signet.it.sds.EnvoySdsClient;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Envoy SDS v3 on the agent's Workload API socket, driven by an SDS client built from the Envoy API protos
 * ({@link EnvoySdsClient}) running as a workload under another uid, as an Envoy next to the workload would
 * (docs/agent-config.md, "Envoy SDS").
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class EnvoySdsInteropTest {
    private static final Duration PROPAGATION = Duration.ofSeconds(30);
    private SignetServer server;
    private SignetAgent agent;

    @BeforeAll
    void cluster() {
        SharedCluster c = SharedCluster.get();
        server = c.server();
        agent = c.agent();
    }

    private Uid registered(String id, String... extra) {
        Uids.assumeRoot();
        Uid uid = Uids.unlisted();
        List<String> args = new ArrayList<>(List.of("--spiffe-id", id, "--any-node", "--selector", uid.selector()));
        args.addAll(List.of(extra));
        server.createEntry(args.toArray(String[]::new));
        Workload.fetchUntilOk(uid, agent.socket(), PROPAGATION);
        return uid;
    }

    private static List<JsonNode> lines(CliResult r) {
        assertThat(r.exit()).as(r::toString).isZero();
        return r.stdout().lines().map(CliResult::parse).toList();
    }

    @Test
    void fetchSecretsGivesTheCallersSvidWithItsKeyAndTheTrustBundleThatValidatesIt() throws Exception {
        String id = SignetServer.id("/it/sds/fetch");
        Uid uid = registered(id);

        CliResult r = Workload.sds(uid, agent.socket(), "fetch", "default," + id + ",ROOTCA," + SignetServer.TRUST_DOMAIN);

        List<JsonNode> out = lines(r);
        assertThat(out).as(r::toString).hasSize(1);
        JsonNode resp = out.get(0);
        assertThat(resp.get("call").asText()).isEqualTo("FetchSecrets");
        assertThat(resp.get("type_url").asText()).isEqualTo(EnvoySdsClient.TYPE_URL);
        assertThat(resp.get("version_info").asText()).as(r::toString).isNotEmpty();
        assertThat(resp.get("nonce").asText()).as(r::toString).isNotEmpty();
        JsonNode secrets = resp.get("secrets");
        assertThat(names(secrets)).as(r::toString).containsExactly("default", id, "ROOTCA", SignetServer.TRUST_DOMAIN);
        assertThat(types(secrets)).as(r::toString)
                .containsExactly("tls_certificate", "tls_certificate", "validation_context", "validation_context");

        // default: the caller's SVID, leaf first, whose only URI SAN is the caller's ID; the key is the leaf's.
        JsonNode def = secrets.get(0);
        List<X509Certificate> chain = Pem.decodeCertificates(def.get("certificate_chain").asText());
        X509Certificate leaf = chain.get(0);
        assertThat(Certificates.uriSans(leaf)).containsExactly(id);
        assertThat(leaf.getBasicConstraints()).as("the leaf is not a CA").isEqualTo(-1);
        assertKeyMatches(def, leaf);
        // Asked for by its SPIFFE ID, the same SVID.
        assertThat(secrets.get(1).get("certificate_chain").asText()).isEqualTo(def.get("certificate_chain").asText());
        assertKeyMatches(secrets.get(1), leaf);

        // ROOTCA (and the trust domain's name): the server's trust bundle, against which the chain validates.
        List<X509Certificate> roots = Pem.decodeCertificates(secrets.get(2).get("trusted_ca").asText());
        assertThat(secrets.get(2).has("custom_validator")).isFalse();
        assertThat(ders(roots)).containsExactlyInAnyOrderElementsOf(ders(Pem.decodeCertificates(server.cli("bundle", "show").ok().stdout())));
        assertThat(secrets.get(3).get("trusted_ca").asText()).isEqualTo(secrets.get(2).get("trusted_ca").asText());
        assertChainValidates(chain, roots);
    }

    @Test
    void streamSecretsPushesANewVersionWithANewNonceAfterAnSvidRotationOnceTheFirstWasAcked() throws Exception {
        String id = SignetServer.id("/it/sds/rotating");
        Uid uid = registered(id, "--x509-ttl", "8s");

        CliResult r = Workload.sds(uid, agent.socket(), "stream", "default", "2", "40");

        List<JsonNode> out = lines(r);
        // response 1, its ACK, response 2 (pushed by the rotation, not by the ACK), its ACK; then the client cancels
        assertThat(out).as(r::toString).hasSize(4);
        JsonNode first = out.get(0);
        JsonNode ack = out.get(1);
        JsonNode second = out.get(2);
        assertThat(first.get("response").asInt()).isEqualTo(1);
        assertThat(ack.get("ack").asInt()).isEqualTo(1);
        assertThat(ack.get("nonce").asText()).isEqualTo(first.get("nonce").asText());
        assertThat(ack.get("version_info").asText()).isEqualTo(first.get("version_info").asText());
        assertThat(second.get("response").asInt()).isEqualTo(2);
        assertThat(out.get(3).get("ack").asInt()).isEqualTo(2);

        assertThat(second.get("version_info").asText()).as(r::toString).isNotEmpty().isNotEqualTo(first.get("version_info").asText());
        assertThat(second.get("nonce").asText()).as(r::toString).isNotEmpty().isNotEqualTo(first.get("nonce").asText());
        X509Certificate before = onlyDefault(first);
        X509Certificate after = onlyDefault(second);
        assertThat(after.getSerialNumber()).as("a rotated SVID").isNotEqualTo(before.getSerialNumber());
        assertThat(after.getNotAfter()).isAfter(before.getNotAfter());
        assertThat(Certificates.uriSans(before)).containsExactly(id);
        assertThat(Certificates.uriSans(after)).containsExactly(id);
        assertKeyMatches(second.get("secrets").get(0), after);
    }

    @Test
    void aWorkloadAskingForAnotherWorkloadsSpiffeIdGetsInvalidArgumentAndNoCertificate() {
        String mine = SignetServer.id("/it/sds/mine");
        String theirs = SignetServer.id("/it/sds/theirs");
        Uid me = registered(mine);
        registered(theirs);

        CliResult r = Workload.sds(me, agent.socket(),
                "fetch", theirs,
                "fetch", "default," + theirs,
                "stream", theirs, "1", "20");

        List<JsonNode> out = lines(r);
        assertThat(out).as(r::toString).hasSize(3);
        String expected = "workload is not authorized for the requested identities [\"" + theirs + "\"]";
        for (JsonNode line : out) {
            assertThat(line.get("status").asText()).as(r::toString).isEqualTo("INVALID_ARGUMENT");
            assertThat(line.get("description").asText()).as(r::toString).isEqualTo(expected);
            assertThat(line.get("responses").asInt()).as("no response, so no certificate at all\n" + r).isZero();
            assertThat(line.has("secrets")).isFalse();
        }
        assertThat(out).extracting(l -> l.get("call").asText()).containsExactly("FetchSecrets", "FetchSecrets", "StreamSecrets");
    }

    @Test
    void E9_aUidWithoutEntriesGetsPermissionDeniedOnFetchSecretsAndStreamSecrets() {
        Uids.assumeRoot();
        Uid stranger = Uids.unlisted();

        CliResult r = Workload.sds(stranger, agent.socket(), "fetch", "default", "stream", "default,ROOTCA", "1", "20");

        List<JsonNode> out = lines(r);
        assertThat(out).as(r::toString).hasSize(2);
        assertThat(out).extracting(l -> l.get("call").asText()).containsExactly("FetchSecrets", "StreamSecrets");
        for (JsonNode line : out) {
            assertThat(line.get("status").asText()).as(r::toString).isEqualTo("PERMISSION_DENIED");
            assertThat(line.get("description").asText()).as(r::toString).isEqualTo("no identity issued");
            assertThat(line.get("responses").asInt()).as(r::toString).isZero();
        }
    }

    private static X509Certificate onlyDefault(JsonNode response) {
        JsonNode secrets = response.get("secrets");
        assertThat(names(secrets)).as(response.toString()).containsExactly("default");
        assertThat(types(secrets)).as(response.toString()).containsExactly("tls_certificate");
        return Pem.decodeCertificates(secrets.get(0).get("certificate_chain").asText()).get(0);
    }

    private static List<String> names(JsonNode secrets) {
        List<String> out = new ArrayList<>();
        secrets.forEach(s -> out.add(s.path("name").asText()));
        return out;
    }

    private static List<String> types(JsonNode secrets) {
        List<String> out = new ArrayList<>();
        secrets.forEach(s -> out.add(s.path("type").asText()));
        return out;
    }

    /** The client signed {@link EnvoySdsClient#KEY_PROOF_MESSAGE} with the secret's private key: the leaf's key verifies it. */
    private static void assertKeyMatches(JsonNode secret, X509Certificate leaf) {
        String keyType = secret.get("private_key_type").asText();
        assertThat(keyType).isEqualTo(leaf.getPublicKey().getAlgorithm());
        try {
            Signature sig = Signature.getInstance(keyType.equals("EC") ? "SHA256withECDSA" : "SHA256withRSA");
            sig.initVerify(leaf.getPublicKey());
            sig.update(EnvoySdsClient.KEY_PROOF_MESSAGE.getBytes(StandardCharsets.UTF_8));
            assertThat(sig.verify(Base64.getDecoder().decode(secret.get("key_proof").asText())))
                    .as("the private key of secret " + secret.get("name") + " belongs to its certificate").isTrue();
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    /** JDK PKIX: the chain (leaf, then intermediates) validates with the bundle's CAs as the only trust anchors. */
    private static void assertChainValidates(List<X509Certificate> chain, List<X509Certificate> roots) throws Exception {
        Set<TrustAnchor> anchors = roots.stream().map(c -> new TrustAnchor(c, null)).collect(Collectors.toSet());
        List<X509Certificate> path = chain.stream().filter(c -> !roots.contains(c)).toList();
        PKIXParameters params = new PKIXParameters(anchors);
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
    }

    private static List<String> ders(List<X509Certificate> certs) {
        return certs.stream().map(c -> Base64.getEncoder().encodeToString(Certificates.der(c))).toList();
    }
}
