package dev.signet.agent.attestor.workload.k8s;

import static dev.signet.agent.attestor.workload.k8s.PodFixtures.podList;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.agent.attestor.workload.Caller;
import dev.signet.agent.attestor.workload.cgroup.RealCgroups;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import dev.signet.core.selector.Selector;
import dev.signet.testing.ManualClock;
import dev.signet.testing.platform.kubernetes.FakeKubelet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kubelet client against a kubelet double over real TLS: bearer token, CA and name checks, client certs, caching. */
class KubeletClientTest {
    private static final KubeletPki PKI = new KubeletPki("kubelet-ca");
    private static final KubeletPki OTHER_PKI = new KubeletPki("some-other-ca");

    @TempDir
    Path dir;

    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private FakeKubelet kubelet(KubeletPki pki, boolean needClientAuth, String... sans) throws Exception {
        FakeKubelet k = FakeKubelet.https(KubeletPki.serverContext(pki.server("node-a", sans), needClientAuth ? PKI.ca : null), needClientAuth);
        closing.add(k);
        return k;
    }

    private K8sConfig config(String hcl) {
        return K8sConfig.from(ConfigBlock.parse("test", hcl).block("k8s"), Map.of(), "this-host");
    }

    private String tokenConfig(FakeKubelet k, String extra) throws Exception {
        Files.writeString(dir.resolve("token"), "token-1\n");
        return """
                k8s {
                  kubelet_url     = "%s"
                  kubelet_ca_path = "%s"
                  token_path      = "%s"
                  %s
                }
                """.formatted(k.url(), PKI.writeCa(dir.resolve("ca.crt")), dir.resolve("token"), extra);
    }

    @Test
    void sendsTheServiceAccountTokenAndRereadsItAfterAMinute() throws Exception {
        FakeKubelet k = kubelet(PKI, false, "node-a", "127.0.0.1");
        k.expectToken("token-1");
        k.podList(podList(K8sAttestorTest.POD_A));
        ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:00Z"));
        KubeletClient client = new KubeletClient(config(tokenConfig(k, "node_name = \"node-a\"")), clock);

        assertThat(client.pods()).extracting(Pod::name).containsExactly("web-7d9c8b6f5-x2x9q");
        assertThat(k.authorizations()).containsExactly("Bearer token-1");

        // The projected token rotates: the new one is used once the reload interval passed, not before.
        Files.writeString(dir.resolve("token"), "token-2");
        k.expectToken("token-2");
        assertThatThrownBy(client::pods).hasMessageContaining("answered HTTP 401 (token or client certificate not accepted): Unauthorized");
        clock.advance(K8sConfig.RELOAD_INTERVAL);
        assertThat(client.pods()).hasSize(1);
        assertThat(k.authorizations()).containsExactly("Bearer token-1", "Bearer token-1", "Bearer token-2");
    }

    @Test
    void theKubeletCertificateMustChainToTheCaAndBeIssuedForTheNodeName() throws Exception {
        FakeKubelet wrongCa = kubelet(OTHER_PKI, false, "node-a", "127.0.0.1");
        assertThatThrownBy(new KubeletClient(config(tokenConfig(wrongCa, "node_name = \"node-a\"")), Clock.systemUTC())::pods)
                .hasMessageStartingWith("TLS handshake with the kubelet at " + wrongCa.url() + "/pods failed");

        FakeKubelet otherNode = kubelet(PKI, false, "node-b");
        assertThatThrownBy(new KubeletClient(config(tokenConfig(otherNode, "node_name = \"node-a\"")), Clock.systemUTC())::pods)
                .hasMessageContaining("the kubelet's certificate is not issued for \"node-a\"");
        // without node_name, kubelet_url's host is the name to check: 127.0.0.1 is not among node-b's SANs either
        assertThatThrownBy(new KubeletClient(config(tokenConfig(otherNode, "")), Clock.systemUTC())::pods)
                .hasMessageContaining("not issued for \"127.0.0.1\"");

        // skip_kubelet_verification accepts both
        assertThat(new KubeletClient(config(tokenConfig(wrongCa, "skip_kubelet_verification = true")), Clock.systemUTC()).pods()).isEmpty();
        assertThat(new KubeletClient(config(tokenConfig(otherNode, "skip_kubelet_verification = true")), Clock.systemUTC()).pods()).isEmpty();

        // an IP SAN matches the URL's host
        FakeKubelet byIp = kubelet(PKI, false, "127.0.0.1");
        assertThat(new KubeletClient(config(tokenConfig(byIp, "")), Clock.systemUTC()).pods()).isEmpty();
    }

    @Test
    void authenticatesWithAClientCertificate() throws Exception {
        FakeKubelet k = kubelet(PKI, true, "node-a");
        KubeletPki.Issued client = PKI.client("system:node:node-a");
        String hcl = """
                k8s {
                  kubelet_url      = "%s"
                  node_name        = "node-a"
                  kubelet_ca_path  = "%s"
                  certificate_path = "%s"
                  private_key_path = "%s"
                }
                """.formatted(k.url(), PKI.writeCa(dir.resolve("ca.crt")), KubeletPki.writeCert(dir.resolve("c.crt"), client.cert()),
                KubeletPki.writeKey(dir.resolve("c.key"), client.key()));
        assertThat(new KubeletClient(config(hcl), Clock.systemUTC()).pods()).isEmpty();
        assertThat(k.authorizations()).containsExactly("null");

        // a client certificate from another CA is refused by the kubelet
        KubeletPki.Issued stranger = OTHER_PKI.client("system:node:node-a");
        KubeletPki.writeCert(dir.resolve("c.crt"), stranger.cert());
        KubeletPki.writeKey(dir.resolve("c.key"), stranger.key());
        assertThatThrownBy(new KubeletClient(config(hcl), Clock.systemUTC())::pods).hasMessageContaining("kubelet at " + k.url());
    }

    @Test
    void readOnlyPortIsPlainHttpWithoutCredentials() throws Exception {
        FakeKubelet k = FakeKubelet.readOnlyPort();
        closing.add(k);
        k.podList(podList(K8sAttestorTest.POD_B));
        int port = Integer.parseInt(k.url().replaceAll(".*:", ""));
        K8sConfig c = config("k8s {\n kubelet_read_only_port = " + port + "\n}\n");
        assertThat(c.kubeletUrl().toString()).isEqualTo("http://127.0.0.1:" + port);
        assertThat(new KubeletClient(c, Clock.systemUTC()).pods()).extracting(Pod::namespace).containsExactly("default");
        assertThat(k.authorizations()).containsExactly("null");
    }

    @Test
    void missingFilesAndRefusedConnectionsAreClearErrors() throws Exception {
        String hcl = """
                k8s {
                  kubelet_url     = "https://127.0.0.1:1"
                  kubelet_ca_path = "%s"
                  token_path      = "%s"
                }
                """;
        assertThatThrownBy(new KubeletClient(config(hcl.formatted(dir.resolve("ca.crt"), dir.resolve("nope"))), Clock.systemUTC())::pods)
                .hasMessage("service-account token (token_path) " + dir.resolve("nope") + " does not exist");
        Files.writeString(dir.resolve("token"), "t");
        assertThatThrownBy(new KubeletClient(config(hcl.formatted(dir.resolve("ca.crt"), dir.resolve("token"))), Clock.systemUTC())::pods)
                .hasMessage("kubelet CA (kubelet_ca_path) " + dir.resolve("ca.crt") + " does not exist");
        Files.writeString(dir.resolve("ca.crt"), "garbage");
        assertThatThrownBy(new KubeletClient(config(hcl.formatted(dir.resolve("ca.crt"), dir.resolve("token"))), Clock.systemUTC())::pods)
                .hasMessageContaining("kubelet CA (kubelet_ca_path) " + dir.resolve("ca.crt"));
        PKI.writeCa(dir.resolve("ca.crt"));
        assertThatThrownBy(new KubeletClient(config(hcl.formatted(dir.resolve("ca.crt"), dir.resolve("token"))), Clock.systemUTC())::pods)
                .hasMessageStartingWith("cannot reach the kubelet at https://127.0.0.1:1/pods: ");
    }

    @Test
    void concurrentAttestationsShareOneKubeletRequest() throws Exception {
        FakeKubelet k = kubelet(PKI, false, "node-a");
        k.expectToken("token-1");
        k.podList(podList(K8sAttestorTest.POD_A, K8sAttestorTest.POD_B));
        CountDownLatch gate = new CountDownLatch(1);
        k.hold(gate);
        Path proc = dir.resolve("proc");
        for (int pid = 1; pid <= 8; pid++) {
            Files.createDirectories(proc.resolve(Integer.toString(pid)));
            Files.writeString(proc.resolve(pid + "/cgroup"), "0::/kubepods/besteffort/pod" + (pid % 2 == 0 ? K8sAttestorTest.UID_A + "/" + K8sAttestorTest.WEB
                    : K8sAttestorTest.UID_B + "/" + K8sAttestorTest.OTHER) + "\n");
        }
        K8sAttestor k8s = new K8sAttestor(config(tokenConfig(k, "node_name = \"node-a\"\npoll_retry_interval = \"1m\"")), proc, Clock.systemUTC());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<Selector>>> results = new ArrayList<>();
            for (int pid = 1; pid <= 8; pid++) {
                int p = pid;
                results.add(pool.submit(() -> k8s.attest(new Caller(p, 0, 0))));
            }
            dev.signet.testing.Poll.until(Duration.ofSeconds(10), "the first kubelet request", () -> k.podRequests() == 1);
            gate.countDown();
            for (int pid = 1; pid <= 8; pid++) {
                assertThat(results.get(pid - 1).get(10, TimeUnit.SECONDS))
                        .contains(new Selector("k8s", "pod-uid:" + (pid % 2 == 0 ? K8sAttestorTest.UID_A : K8sAttestorTest.UID_B)));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(k.podRequests()).as("8 concurrent attestations, one kubelet request").isEqualTo(1);
    }

    @Test
    void attestsARealProcessInARealKubeletShapedCgroup() throws Exception {
        FakeKubelet k = kubelet(PKI, false, "node-a");
        k.expectToken("token-1");
        k.podList(podList(K8sAttestorTest.POD_A, K8sAttestorTest.POD_B));
        K8sAttestor k8s = new K8sAttestor(config(tokenConfig(k, "node_name = \"node-a\"\nmax_poll_attempts = 2\npoll_retry_interval = \"50ms\"")),
                Path.of("/proc"), Clock.systemUTC());
        try (RealCgroups cgroups = RealCgroups.open()) {
            Path inPod = cgroups.mkdirs("kubepods/besteffort/pod" + K8sAttestorTest.UID_A + "/" + K8sAttestorTest.WEB);
            Path plain = cgroups.mkdirs("signet-unit-" + ProcessHandle.current().pid());
            Process web = cgroups.start(inPod, "sleep", "60");
            Process host = cgroups.start(plain, "sleep", "60");
            RealCgroups.awaitIn(web, inPod);
            RealCgroups.awaitIn(host, plain);

            assertThat(k8s.attest(new Caller((int) web.pid(), 0, 0)))
                    .contains(new Selector("k8s", "pod-uid:" + K8sAttestorTest.UID_A), new Selector("k8s", "container-name:web"),
                            new Selector("k8s", "ns:payments"));
            assertThat(k8s.attest(new Caller((int) host.pid(), 0, 0))).isEmpty();
        }
    }

    @Test
    void configKeysDefaultsAndContradictions() {
        K8sConfig d = K8sConfig.from(ConfigBlock.parse("t", "k8s {}").block("k8s"), Map.of(), "host-1");
        assertThat(d.kubeletUrl().toString()).isEqualTo("https://127.0.0.1:10250");
        assertThat(d.verifyName()).isEqualTo("host-1");
        assertThat(d.tokenPath()).isEqualTo(K8sConfig.DEFAULT_TOKEN_PATH);
        assertThat(d.caPath()).isEqualTo(K8sConfig.DEFAULT_CA_PATH);
        assertThat(d.maxPollAttempts()).isEqualTo(60);
        assertThat(d.pollRetryInterval()).isEqualTo(Duration.ofMillis(500));

        K8sConfig env = K8sConfig.from(ConfigBlock.parse("t", "k8s {\n kubelet_secure_port = 10443\n}").block("k8s"), Map.of("MY_NODE_NAME", "node-7"), "h");
        assertThat(env.kubeletUrl().toString()).isEqualTo("https://node-7:10443");
        assertThat(env.verifyName()).isEqualTo("node-7");

        for (String[] c : new String[][] {
                {"bogus = 1", "k8s.bogus: unknown configuration key"},
                {"max_poll_attempts = 0", "k8s.max_poll_attempts: must be at least 1"},
                {"poll_retry_interval = \"0s\"", "k8s.poll_retry_interval: must be positive"},
                {"kubelet_secure_port = 70000", "k8s.kubelet_secure_port: must be a port number"},
                {"kubelet_read_only_port = 10255\nkubelet_secure_port = 10250", "cannot be combined with kubelet_secure_port"},
                {"certificate_path = \"/c\"", "k8s.private_key_path: certificate_path and private_key_path go together"},
                {"certificate_path = \"/c\"\nprivate_key_path = \"/k\"\ntoken_path = \"/t\"", "k8s.token_path: cannot be combined with certificate_path"},
                {"kubelet_url = \"ftp://x\"", "k8s.kubelet_url: expected http(s)://HOST[:PORT]"},
                {"kubelet_read_only_port = 10255\ntoken_path = \"/t\"", "k8s.token_path: is not sent over plain HTTP"}}) {
            assertThatThrownBy(() -> K8sConfig.from(ConfigBlock.parse("t", "k8s {\n" + c[0] + "\n}").block("k8s"), Map.of(), "h"))
                    .as(c[0]).isInstanceOf(ConfigException.class).hasMessageContaining(c[1]);
        }
    }

    @Test
    void registeredAsAWorkloadAttestor() {
        var config = dev.signet.agent.config.AgentConfig.fromHcl(ConfigBlock.parse("agent.hcl", """
                agent {
                  trust_domain   = "example.org"
                  server_address = "127.0.0.1"
                  insecure_bootstrap = true
                }
                workload_attestor "k8s" {
                  node_name = "node-a"
                }
                """), dev.signet.agent.config.AgentConfig.Overrides.none());
        assertThat(dev.signet.agent.attestor.workload.WorkloadAttestors.create(config)).extracting(a -> a.name()).containsExactly("unix", "k8s");
    }
}
