package dev.signet.server.attestation.k8spsat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.server.attestation.AttestationResult;
import dev.signet.server.attestation.NodeAttestor;
import dev.signet.server.attestation.NodeAttestor.AttestationFailure;
import dev.signet.server.attestation.NodeAttestor.Reason;
import dev.signet.testing.ManualClock;
import dev.signet.testing.platform.kubernetes.FakeKubernetesApi;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The k8s_psat server attestor against a Kubernetes API test double over real TLS: every step of SPIRE §4.2 and its refusals. */
class K8sPsatAttestorTest {
    static final TrustDomain TD = new TrustDomain("example.org");
    static final String NS = "signet";
    static final String SA = "signet-agent";
    static final String POD = "signet-agent-x7k2p";
    static final String POD_UID = "0b6a5b8e-3a4f-4c39-9d5e-6f1c2b7a9e01";
    static final String NODE = "worker-1";
    static final String NODE_UID = "d8a8f0c2-6a1b-4f0e-9c3d-2b5e7f9a1c44";
    static final String HOST_IP = "172.18.0.2";

    @TempDir
    static Path dir;
    static FakeKubernetesApi prod;
    static FakeKubernetesApi staging;

    private static final ManualClock clock = new ManualClock();
    private static K8sPsatAttestor attestor;

    @BeforeAll
    static void startApis() throws Exception {
        prod = FakeKubernetesApi.start(dir.resolve("prod"));
        staging = FakeKubernetesApi.start(dir.resolve("staging"));
        attestor = fromHcl(config()); // one attestor (and HTTP client per cluster) for all tests, as in a server
    }

    @AfterAll
    static void stopApis() {
        prod.close();
        staging.close();
    }

    @BeforeEach
    void reset() throws Exception {
        for (FakeKubernetesApi api : List.of(prod, staging)) {
            api.failWith(0);
            api.serviceAccountLookup(true);
            api.audienceAware(true);
            api.addNode(NODE, NODE_UID, Map.of("topology.kubernetes.io/zone", "eu-west-1a", "node-role.kubernetes.io/secret", "x"));
            api.addPod(NS, POD, POD_UID, SA, NODE, HOST_IP, Map.of("app", "signet-agent", "pod-template-generation", "3"));
        }
    }

    static String config() {
        return "node_attestor \"k8s_psat\" {\n clusters = {\n"
                + "  \"prod-cluster\" = {\n   service_account_allow_list = [\"signet:signet-agent\"]\n"
                + "   allowed_node_label_keys = [\"topology.kubernetes.io/zone\"]\n   allowed_pod_label_keys = [\"app\"]\n   "
                + prod.connectionHcl() + "  }\n"
                + "  \"staging\" = {\n   service_account_allow_list = [\"signet:signet-agent\"]\n   audience = [\"signet-staging\"]\n   "
                + staging.connectionHcl() + "  }\n"
                + " }\n}\n";
    }

    private static K8sPsatAttestor fromHcl(String hcl) {
        return fromHcl(hcl, Map.of());
    }

    private static K8sPsatAttestor fromHcl(String hcl, Map<String, String> env) {
        ConfigBlock block = ConfigBlock.parse("server.hcl", hcl).block("node_attestor").block("k8s_psat");
        return K8sPsatAttestor.fromConfig(block, TD, clock, env);
    }

    static byte[] payload(String cluster, String token) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cluster", cluster);
        m.put("token", token);
        return JSONObjectUtils.toJSONString(m).getBytes(StandardCharsets.UTF_8);
    }

    static final NodeAttestor.Session NO_CHALLENGES = new NodeAttestor.Session() {
        @Override
        public byte[] challenge(byte[] challenge) throws AttestationFailure {
            throw new AssertionError("k8s_psat must not challenge the agent");
        }

        @Override
        public Optional<InetAddress> peerAddress() {
            return Optional.of(InetAddress.getLoopbackAddress());
        }
    };

    private static AttestationResult attest(String cluster, String token) throws AttestationFailure {
        return attestor.attest(payload(cluster, token), NO_CHALLENGES);
    }

    private static String goodToken() {
        return prod.issueToken(NS, SA, POD, POD_UID, "signet-server");
    }

    private static void assertRefused(ThrowingCallable call, Reason reason, String... messageParts) {
        assertThatThrownBy(call).isInstanceOfSatisfying(AttestationFailure.class, f -> {
            assertThat(f.reason()).as("reason of \"%s\"", f.getMessage()).isEqualTo(reason);
            assertThat(f.getMessage()).startsWith("k8s_psat: ");
            for (String part : messageParts) {
                assertThat(f.getMessage()).contains(part);
            }
        });
    }

    // ---- success ----

    @Test
    void podTokenYieldsNodeAgentIdAndSelectors() throws Exception {
        int before = prod.requests().size();
        String token = goodToken();

        AttestationResult r = attest("prod-cluster", token);

        assertThat(r.attestor()).isEqualTo("k8s_psat");
        assertThat(r.agentId().toString()).isEqualTo("spiffe://example.org/signet/agent/k8s_psat/prod-cluster/" + NODE_UID);
        assertThat(r.reattestable()).isTrue();
        assertThat(r.selectors()).extracting(Selector::toString).containsExactly(
                "k8s_psat:agent_node_ip:" + HOST_IP,
                "k8s_psat:agent_node_label:topology.kubernetes.io/zone:eu-west-1a",
                "k8s_psat:agent_node_name:" + NODE,
                "k8s_psat:agent_node_uid:" + NODE_UID,
                "k8s_psat:agent_ns:" + NS,
                "k8s_psat:agent_pod_label:app:signet-agent",
                "k8s_psat:agent_pod_name:" + POD,
                "k8s_psat:agent_pod_uid:" + POD_UID,
                "k8s_psat:agent_sa:" + SA,
                "k8s_psat:cluster:prod-cluster");

        // What went over the wire: a TokenReview for our audience, then the pod, then the node, all with the server's token.
        List<FakeKubernetesApi.Request> reqs = prod.requests().subList(before, prod.requests().size());
        assertThat(reqs).extracting(FakeKubernetesApi.Request::method, FakeKubernetesApi.Request::path).containsExactly(
                org.assertj.core.groups.Tuple.tuple("POST", "/apis/authentication.k8s.io/v1/tokenreviews"),
                org.assertj.core.groups.Tuple.tuple("GET", "/api/v1/namespaces/signet/pods/" + POD),
                org.assertj.core.groups.Tuple.tuple("GET", "/api/v1/nodes/" + NODE));
        String serverToken = Files.readString(prod.tokenPath()).strip();
        assertThat(reqs).allSatisfy(q -> assertThat(q.bearer()).isEqualTo(serverToken));
        Map<String, Object> review = JSONObjectUtils.parse(reqs.get(0).body());
        assertThat(review.get("kind")).isEqualTo("TokenReview");
        assertThat(JSONObjectUtils.getJSONObject(review, "spec").get("token")).isEqualTo(token);
        assertThat(JSONObjectUtils.getStringList(JSONObjectUtils.getJSONObject(review, "spec"), "audiences")).containsExactly("signet-server");
    }

    @Test
    void labelsOutsideTheAllowListsAreNotSelectors() throws Exception {
        prod.addPod(NS, POD, POD_UID, SA, NODE, HOST_IP, Map.of("team", "platform"));
        AttestationResult r = attest("prod-cluster", goodToken());
        assertThat(r.selectors()).extracting(Selector::value)
                .noneMatch(v -> v.startsWith("agent_pod_label:"))
                .noneMatch(v -> v.contains("node-role.kubernetes.io/secret"))
                .contains("agent_node_label:topology.kubernetes.io/zone:eu-west-1a");
    }

    @Test
    void eachClusterUsesItsOwnApiAndAudience() throws Exception {
        String token = staging.issueToken(NS, SA, POD, POD_UID, "signet-staging");
        AttestationResult r = attest("staging", token);
        assertThat(r.agentId().toString()).isEqualTo("spiffe://example.org/signet/agent/k8s_psat/staging/" + NODE_UID);
        assertThat(r.selectors()).contains(new Selector("k8s_psat", "cluster:staging"));
        assertThat(r.selectors()).extracting(Selector::value).noneMatch(v -> v.startsWith("agent_node_label:")); // not allow-listed there
    }

    // ---- refusals ----

    @Test
    void tokenForAnotherAudienceIsDenied() {
        String token = prod.issueToken(NS, SA, POD, POD_UID, "vault");
        assertRefused(() -> attest("prod-cluster", token), Reason.DENIED, "cluster \"prod-cluster\"", "did not authenticate",
                "is invalid for the target audiences");
    }

    @Test
    void apiThatDoesNotConfirmTheAudienceIsNotTrusted() {
        prod.audienceAware(false);
        String token = prod.issueToken(NS, SA, POD, POD_UID, FakeKubernetesApi.API_AUDIENCE);
        assertRefused(() -> attest("prod-cluster", token), Reason.DENIED, "not for audience [signet-server]");
    }

    @Test
    void tokenOfAnotherClusterIsDenied() {
        // A genuine token, with the right audience, but issued by the staging cluster: prod's API doesn't vouch for it.
        String stagingToken = staging.issueToken(NS, SA, POD, POD_UID, "signet-server", "signet-staging");
        assertRefused(() -> attest("prod-cluster", stagingToken), Reason.DENIED, "cluster \"prod-cluster\"", "did not authenticate");
        // And a prod token claimed for staging: staging's API doesn't know it.
        assertRefused(() -> attest("staging", goodToken()), Reason.DENIED, "cluster \"staging\"", "did not authenticate");
    }

    @Test
    void unconfiguredClusterIsInvalid() {
        assertRefused(() -> attest("dev-cluster", goodToken()), Reason.INVALID, "cluster \"dev-cluster\" is not configured",
                "[prod-cluster, staging]");
    }

    @Test
    void unauthenticatedTokenIsDenied() {
        assertRefused(() -> attest("prod-cluster", "eyJhbGciOiJSUzI1NiJ9.e30.forged"), Reason.DENIED, "did not authenticate",
                "invalid bearer token");
    }

    @Test
    void serviceAccountNotInTheAllowListIsDenied() {
        prod.addPod("default", "web-1", "9d1b7a0c-1111-4c22-8d33-444455556666", "default", NODE, HOST_IP, Map.of());
        String token = prod.issueToken("default", "default", "web-1", "9d1b7a0c-1111-4c22-8d33-444455556666", "signet-server");
        assertRefused(() -> attest("prod-cluster", token), Reason.DENIED, "service account \"default:default\" is not in"
                + " service_account_allow_list [signet:signet-agent]");
        // Same name in another namespace is another account.
        String other = prod.issueToken("kube-system", SA, POD, POD_UID, "signet-server");
        prod.addPod("kube-system", POD, POD_UID, SA, NODE, HOST_IP, Map.of());
        assertRefused(() -> attest("prod-cluster", other), Reason.DENIED, "\"kube-system:signet-agent\" is not in");
    }

    @Test
    void tokenNotBoundToAPodIsDenied() {
        String token = prod.issueUnboundToken(NS, SA, "signet-server");
        assertRefused(() -> attest("prod-cluster", token), Reason.DENIED, "not bound to a pod");
    }

    @Test
    void tokenOfARecreatedPodIsDenied() {
        String oldToken = goodToken();
        prod.addPod(NS, POD, "7f0e9d8c-2222-4b33-9c44-555566667777", SA, NODE, HOST_IP, Map.of()); // same name, new pod
        // A real API server refuses the stale token itself ...
        assertRefused(() -> attest("prod-cluster", oldToken), Reason.DENIED, "did not authenticate");
        // ... and if its lookup is off or lagging, the attestor's own pod UID check still refuses it.
        prod.serviceAccountLookup(false);
        assertRefused(() -> attest("prod-cluster", oldToken), Reason.DENIED, "bound to pod signet/" + POD + " with UID " + POD_UID,
                "now has UID 7f0e9d8c-2222-4b33-9c44-555566667777", "recreated");
    }

    @Test
    void tokenOfADeletedPodIsDenied() {
        String token = goodToken();
        prod.deletePod(NS, POD);
        prod.serviceAccountLookup(false);
        assertRefused(() -> attest("prod-cluster", token), Reason.DENIED, "pod signet/" + POD + " the token is bound to does not exist");
    }

    @Test
    void missingNodeOrNodeWithoutUidIsDenied() {
        String token = goodToken();
        prod.deleteNode(NODE);
        assertRefused(() -> attest("prod-cluster", token), Reason.DENIED, "node " + NODE + " of pod signet/" + POD + " does not exist");
        prod.addNodeWithoutUid(NODE);
        assertRefused(() -> attest("prod-cluster", token), Reason.DENIED, "node " + NODE + " has no UID");
    }

    @Test
    void unscheduledPodIsDenied() {
        prod.addPod(NS, POD, POD_UID, SA, "", HOST_IP, Map.of());
        prod.serviceAccountLookup(false);
        assertRefused(() -> attest("prod-cluster", goodToken()), Reason.DENIED, "is not scheduled on a node");
    }

    @Test
    void malformedPayloadIsInvalid() {
        for (String bad : List.of("", "not json", "[1,2]", "{\"cluster\":\"prod-cluster\"}", "{\"token\":\"abc\"}",
                "{\"cluster\":7,\"token\":\"abc\"}", "{\"cluster\":\"prod-cluster\",\"token\":\"\"}", "{\"cluster\":\"prod-cluster\",\"token\":[\"a\"]}")) {
            assertRefused(() -> attestor.attest(bad.getBytes(StandardCharsets.UTF_8), NO_CHALLENGES), Reason.INVALID, "payload");
        }
        assertRefused(() -> attest("prod-cluster", "x".repeat(K8sPsatAttestor.MAX_TOKEN_CHARS + 1)), Reason.INVALID, "token is longer than");
        assertRefused(() -> attestor.attest(new byte[] {(byte) 0xff, (byte) 0xfe, 0}, NO_CHALLENGES), Reason.INVALID, "payload");
    }

    // ---- the API failing ----

    @Test
    void unreachableApiIsUnavailable() throws Exception {
        try (FakeKubernetesApi gone = FakeKubernetesApi.start(dir.resolve("gone"))) {
            String hcl = "node_attestor \"k8s_psat\" {\n clusters = {\n  \"gone\" = {\n   service_account_allow_list = [\"a:b\"]\n   "
                    + gone.connectionHcl() + "  }\n }\n}\n";
            K8sPsatAttestor a = fromHcl(hcl);
            gone.stop();
            assertRefused(() -> a.attest(payload("gone", "tok"), NO_CHALLENGES), Reason.UNAVAILABLE,
                    "Kubernetes API of cluster \"gone\" (" + gone.url() + ")", "cannot reach it");
        }
    }

    @Test
    void serverErrorsAreUnavailable() {
        String token = goodToken();
        prod.failWith(500);
        assertRefused(() -> attest("prod-cluster", token), Reason.UNAVAILABLE, "create tokenreviews: HTTP 500", "etcdserver");
        prod.failWith(503);
        assertRefused(() -> attest("prod-cluster", token), Reason.UNAVAILABLE, "HTTP 503");
    }

    @Test
    void missingRbacIsUnavailableAndSaysWhichPermission() throws Exception {
        try (FakeKubernetesApi noRbac = FakeKubernetesApi.start(dir.resolve("norbac"))) {
            noRbac.addNode(NODE, NODE_UID, Map.of());
            noRbac.addPod(NS, POD, POD_UID, SA, NODE, HOST_IP, Map.of());
            noRbac.forbid("pods");
            String hcl = "node_attestor \"k8s_psat\" {\n clusters = {\n  \"c\" = {\n   service_account_allow_list = [\"signet:signet-agent\"]\n   "
                    + noRbac.connectionHcl() + "  }\n }\n}\n";
            K8sPsatAttestor a = fromHcl(hcl);
            String token = noRbac.issueToken(NS, SA, POD, POD_UID, "signet-server");
            assertRefused(() -> a.attest(payload("c", token), NO_CHALLENGES), Reason.UNAVAILABLE,
                    "get pod signet/" + POD + ": HTTP 403", "may not get pod", "cannot get resource \"pods\"");
        }
    }

    @Test
    void serverTokenIsReReadWhenRotated() throws Exception {
        try (FakeKubernetesApi api = FakeKubernetesApi.start(dir.resolve("rotating"))) {
            api.addNode(NODE, NODE_UID, Map.of());
            api.addPod(NS, POD, POD_UID, SA, NODE, HOST_IP, Map.of());
            String hcl = "node_attestor \"k8s_psat\" {\n clusters = {\n  \"c\" = {\n   service_account_allow_list = [\"signet:signet-agent\"]\n   "
                    + api.connectionHcl() + "  }\n }\n}\n";
            K8sPsatAttestor a = fromHcl(hcl);
            String token = api.issueToken(NS, SA, POD, POD_UID, "signet-server");
            assertThat(a.attest(payload("c", token), NO_CHALLENGES).agentId().path()).endsWith("/c/" + NODE_UID);

            // Rotated in the file: the copy in memory is used until it is refused (401), then the file is read again.
            String rotated = api.rotateServerToken();
            assertRefused(() -> a.attest(payload("c", token), NO_CHALLENGES), Reason.UNAVAILABLE, "HTTP 401", "kube_token_path");
            assertThat(a.attest(payload("c", token), NO_CHALLENGES).agentId().path()).endsWith("/c/" + NODE_UID);
            assertThat(api.requests().get(api.requests().size() - 1).bearer()).isEqualTo(rotated);

            // Rotated again: after the refresh interval the file is re-read before any refusal.
            String again = api.rotateServerToken();
            clock.advance(BearerToken.REFRESH.plus(Duration.ofSeconds(1)));
            int before = api.requests().size();
            assertThat(a.attest(payload("c", token), NO_CHALLENGES).agentId().path()).endsWith("/c/" + NODE_UID);
            assertThat(api.requests().subList(before, api.requests().size())).extracting(FakeKubernetesApi.Request::bearer)
                    .containsOnly(again);
        }
    }

    @Test
    void apiWithAnUntrustedCertificateIsUnavailable() throws Exception {
        // prod's API, but trusting staging's CA: the TLS handshake must fail, and no token may be sent.
        String hcl = "node_attestor \"k8s_psat\" {\n clusters = {\n  \"c\" = {\n   service_account_allow_list = [\"signet:signet-agent\"]\n"
                + "   kube_api_url = \"" + prod.url() + "\"\n   kube_ca_path = \"" + staging.caPath() + "\"\n   kube_token_path = \""
                + staging.tokenPath() + "\"\n  }\n }\n}\n";
        K8sPsatAttestor a = fromHcl(hcl);
        int before = prod.requests().size();
        assertRefused(() -> a.attest(payload("c", goodToken()), NO_CHALLENGES), Reason.UNAVAILABLE, "cannot reach it");
        assertThat(prod.requests()).hasSize(before);
    }

    // ---- configuration ----

    @Test
    void inClusterDefaultsComeFromTheEnvironment() throws Exception {
        String hcl = "node_attestor \"k8s_psat\" {\n clusters = {\n  \"c\" = {\n   service_account_allow_list = [\"signet:signet-agent\"]\n"
                + "   kube_ca_path = \"" + prod.caPath() + "\"\n   kube_token_path = \"" + prod.tokenPath() + "\"\n  }\n }\n}\n";
        K8sPsatAttestor a = fromHcl(hcl, Map.of("KUBERNETES_SERVICE_HOST", "127.0.0.1",
                "KUBERNETES_SERVICE_PORT", String.valueOf(prod.url().getPort())));
        assertThat(a.attest(payload("c", goodToken()), NO_CHALLENGES).agentId().path()).endsWith("/c/" + NODE_UID);

        assertThatThrownBy(() -> fromHcl(hcl)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("node_attestor.k8s_psat.clusters.c.kube_api_url: not set, and KUBERNETES_SERVICE_HOST");
        String noFiles = "node_attestor \"k8s_psat\" {\n clusters = {\n  \"c\" = {\n   service_account_allow_list = [\"a:b\"]\n"
                + "   kube_api_url = \"https://10.96.0.1\"\n  }\n }\n}\n";
        assertThatThrownBy(() -> fromHcl(noFiles)).isInstanceOf(ConfigException.class)
                .hasMessage("node_attestor.k8s_psat.clusters.c.kube_ca_path: " + K8sPsatAttestor.IN_CLUSTER_CA + " does not exist");
    }

    @Test
    void configErrorsNameTheKey() {
        String conn = prod.connectionHcl();
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("clusters = { \"c\" = { " + conn + " } }", "clusters.c.service_account_allow_list: required");
        cases.put("clusters = { \"c\" = { service_account_allow_list = [\"justname\"]\n " + conn + " } }",
                "clusters.c.service_account_allow_list: \"justname\" is not \"<namespace>:<service account>\"");
        cases.put("clusters = { \"c\" = { service_account_allow_list = [\"a:b\"]\n audience = []\n " + conn + " } }",
                "clusters.c.audience: must name at least one");
        cases.put("clusters = { \"c\" = { service_account_allow_list = [\"a:b\"]\n kube_api_url = \"http://10.0.0.1:6443\"\n"
                + " kube_ca_path = \"" + prod.caPath() + "\"\n kube_token_path = \"" + prod.tokenPath() + "\" } }",
                "clusters.c.kube_api_url: \"http://10.0.0.1:6443\" must be an https:// URL");
        cases.put("clusters = { \"c\" = { service_account_allow_list = [\"a:b\"]\n kube_api_url = \"" + prod.url() + "\"\n"
                + " kube_ca_path = \"" + prod.tokenPath() + "\"\n kube_token_path = \"" + prod.tokenPath() + "\" } }",
                "clusters.c.kube_ca_path: " + prod.tokenPath() + " holds no usable PEM certificate");
        cases.put("clusters = { \"c\" = { service_account_allow_list = [\"a:b\"]\n kube_api_url = \"" + prod.url() + "\"\n"
                + " kube_ca_path = \"" + prod.caPath() + "\"\n kube_token_path = \"" + dir.resolve("nope") + "\" } }",
                "clusters.c.kube_token_path: token file " + dir.resolve("nope") + " does not exist");
        cases.put("clusters = { \"c\" = { service_account_allow_list = [\"a:b\"]\n service_account_allowlist = [\"a:b\"]\n " + conn + " } }",
                "clusters.c.service_account_allowlist: unknown configuration key");
        cases.put("cluster = { \"c\" = { service_account_allow_list = [\"a:b\"]\n " + conn + " } }",
                "node_attestor.k8s_psat.cluster: unknown configuration key");
        cases.put("clusters = { \"a/b\" = { service_account_allow_list = [\"a:b\"]\n " + conn + " } }",
                "clusters.a/b: a cluster name becomes part of the agent ID");
        cases.forEach((body, message) -> assertThatThrownBy(() -> fromHcl("node_attestor \"k8s_psat\" {\n " + body + "\n}\n"))
                .as(body).isInstanceOf(ConfigException.class).hasMessageContaining(message));
    }

    @Test
    void noClustersRefusesEveryone() throws Exception {
        K8sPsatAttestor a = fromHcl("node_attestor \"k8s_psat\" {\n}\n");
        assertRefused(() -> a.attest(payload("prod-cluster", goodToken()), NO_CHALLENGES), Reason.INVALID,
                "cluster \"prod-cluster\" is not configured on this server (configured: [])");
    }
}
