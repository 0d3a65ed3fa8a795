package dev.signet.agent.attestor.workload.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.agent.attestor.workload.AttestationException;
import dev.signet.agent.attestor.workload.Caller;
import dev.signet.agent.attestor.workload.cgroup.RealCgroups;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import dev.signet.core.selector.Selector;
import dev.signet.testing.platform.docker.FakeDockerEngine;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The docker attestor against a Docker Engine double on a real Unix socket, with fixture and real cgroups. */
class DockerAttestorTest {
    static final String CID = "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa99887766554433221100";
    static final String OTHER = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";

    @TempDir
    Path dir;

    Path proc;
    FakeDockerEngine engine;

    @BeforeEach
    void setUp() throws Exception {
        proc = dir.resolve("proc");
        engine = new FakeDockerEngine(dir.resolve("docker.sock"));
        engine.container(CID, "web", "registry.example.org/web:2.1@sha256:" + "ab".repeat(32),
                Map.of("com.example.team", "payments", "com.docker.compose.service", "web"),
                List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "APP_ENV=prod", "DB_PASSWORD=hunter2", "NGINX_VERSION=1.25.4"));
    }

    @AfterEach
    void tearDown() throws Exception {
        engine.close();
    }

    private void cgroup(int pid, String text) throws IOException {
        Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(proc.resolve(pid + "/cgroup"), text);
    }

    private DockerAttestor attestor(String extra) {
        return new DockerAttestor(DockerConfig.from(ConfigBlock.parse("t", "docker {\n docker_socket_path = \"unix://" + engine.socket()
                + "\"\n inspect_retry_interval = \"10ms\"\n" + extra + "\n}").block("docker")), proc);
    }

    private static List<String> rendered(List<Selector> s) {
        return s.stream().map(Selector::toString).toList();
    }

    @Test
    void labelsImageAndOnlyAllowListedEnvironment() throws Exception {
        cgroup(10, "12:pids:/docker/" + CID + "\n1:name=systemd:/docker/" + CID + "\n0::/system.slice/containerd.service\n");

        assertThat(rendered(attestor("env_allow_list = [\"APP_ENV\", \"NOT_SET\"]").attest(new Caller(10, 0, 0)))).containsExactlyInAnyOrder(
                "docker:label:com.example.team:payments",
                "docker:label:com.docker.compose.service:web",
                "docker:image_id:registry.example.org/web:2.1@sha256:" + "ab".repeat(32),
                "docker:env:APP_ENV=prod");
        assertThat(engine.requests()).containsExactly("GET /v1.41/containers/" + CID + "/json HTTP/1.1");

        // By default no variable at all: environments hold secrets.
        assertThat(rendered(attestor("").attest(new Caller(10, 0, 0)))).noneMatch(s -> s.startsWith("docker:env:"));
    }

    @Test
    void aProcessOutsideAnyContainerGetsNoSelectorsAndNoEngineCall() throws Exception {
        cgroup(11, "12:pids:/user.slice\n0::/user.slice/user-0.slice/session-1.scope\n");
        assertThat(attestor("").attest(new Caller(11, 0, 0))).isEmpty();
        assertThat(engine.requests()).isEmpty();
    }

    @Test
    void anUnknownContainerIsAnErrorAtOnce() throws Exception {
        cgroup(12, "0::/system.slice/docker-" + OTHER + ".scope\n");
        assertThatThrownBy(() -> attestor("").attest(new Caller(12, 0, 0)))
                .isInstanceOfSatisfying(AttestationException.class, e -> assertThat(e.failsAttestation()).isFalse())
                .hasMessage("docker: container " + OTHER + " not found by the Docker engine at " + engine.socket() + " (No such container: " + OTHER + ")");
        assertThat(engine.requests()).hasSize(1);
    }

    @Test
    void transientEngineErrorsAreRetriedABoundedNumberOfTimes() throws Exception {
        cgroup(13, "0::/docker/" + CID + "\n");
        engine.failNext(2);
        assertThat(rendered(attestor("inspect_attempts = 3").attest(new Caller(13, 0, 0)))).contains("docker:label:com.example.team:payments");
        assertThat(engine.requests()).hasSize(3);

        engine.clearRequests();
        engine.failNext(5);
        assertThatThrownBy(() -> attestor("inspect_attempts = 2").attest(new Caller(13, 0, 0)))
                .hasMessage("docker: container " + CID + ": cannot inspect it at the Docker engine at " + engine.socket()
                        + " after 2 attempts: the Docker engine at " + engine.socket() + " answered HTTP 500 (daemon is restarting)");
        assertThat(engine.requests()).hasSize(2);
    }

    @Test
    void noEngineIsAClearError() throws Exception {
        cgroup(14, "0::/docker/" + CID + "\n");
        engine.close();
        assertThatThrownBy(() -> attestor("inspect_attempts = 2").attest(new Caller(14, 0, 0)))
                .isInstanceOf(AttestationException.class)
                .hasMessageStartingWith("docker: container " + CID + ": cannot inspect it at the Docker engine at " + engine.socket() + " after 2 attempts: ");
    }

    @Test
    void anAnswerForAnotherContainerIsRefused() throws Exception {
        cgroup(15, "0::/docker/" + CID + "\n");
        engine.answer(CID, FakeDockerEngine.inspect(OTHER, "evil", "evil:1", Map.of("com.example.team", "payments"), List.of()));
        assertThatThrownBy(() -> attestor("").attest(new Caller(15, 0, 0)))
                .hasMessage("docker: container " + CID + ": the Docker engine answered for another container (Id \"" + OTHER + "\")");
    }

    @Test
    void malformedAnswersAndCgroupFilesAreErrorsNamingDocker() throws Exception {
        cgroup(16, "0::/docker/" + CID + "\n");
        engine.answer(CID, "{\"Id\": ");
        assertThatThrownBy(() -> attestor("").attest(new Caller(16, 0, 0))).hasMessageStartingWith("docker: container " + CID + ": the Docker engine at "
                + engine.socket() + " answered with malformed JSON");
        cgroup(17, "docker\n");
        assertThatThrownBy(() -> attestor("").attest(new Caller(17, 0, 0))).hasMessageStartingWith("docker: process 17: malformed ");
    }

    @Test
    void attestsARealProcessInARealDockerShapedCgroup() throws Exception {
        DockerAttestor docker = new DockerAttestor(DockerConfig.from(ConfigBlock.parse("t", "docker {\n docker_socket_path = \"" + engine.socket()
                + "\"\n}").block("docker")), Path.of("/proc"));
        try (RealCgroups cgroups = RealCgroups.open()) {
            Path inContainer = cgroups.mkdirs("docker/" + CID);
            Path stranger = cgroups.mkdirs("docker/" + OTHER);
            Path plain = cgroups.mkdirs("signet-unit-docker-" + ProcessHandle.current().pid());
            Process web = cgroups.start(inContainer, "sleep", "60");
            Process other = cgroups.start(stranger, "sleep", "60");
            Process host = cgroups.start(plain, "sleep", "60");
            RealCgroups.awaitIn(web, inContainer);
            RealCgroups.awaitIn(other, stranger);
            RealCgroups.awaitIn(host, plain);

            assertThat(docker.attest(new Caller((int) web.pid(), 0, 0))).contains(new Selector("docker", "label:com.example.team:payments"));
            assertThatThrownBy(() -> docker.attest(new Caller((int) other.pid(), 0, 0))).hasMessageContaining("not found by the Docker engine");
            assertThat(docker.attest(new Caller((int) host.pid(), 0, 0))).isEmpty();
        }
    }

    @Test
    void configKeys() {
        DockerConfig d = DockerConfig.from(ConfigBlock.parse("t", "docker {}").block("docker"));
        assertThat(d.socket()).isEqualTo(Path.of("/var/run/docker.sock"));
        assertThat(d.apiVersion()).isEqualTo("1.41");
        assertThat(d.envAllowList()).isEmpty();
        for (String[] c : new String[][] {
                {"docker_socket_path = \"tcp://127.0.0.1:2375\"", "docker.docker_socket_path: expected unix:///path/to/docker.sock"},
                {"docker_version = \"latest\"", "docker.docker_version: expected an API version such as 1.41"},
                {"env_allow_list = [\"A=B\"]", "docker.env_allow_list: \"A=B\" is not an environment variable name"},
                {"inspect_attempts = 0", "docker.inspect_attempts: must be at least 1"},
                {"label_allow_list = []", "docker.label_allow_list: unknown configuration key"}}) {
            assertThatThrownBy(() -> DockerConfig.from(ConfigBlock.parse("t", "docker {\n" + c[0] + "\n}").block("docker")))
                    .as(c[0]).isInstanceOf(ConfigException.class).hasMessageContaining(c[1]);
        }
    }

    @Test
    void httpParsing() throws Exception {
        byte[] cl = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(UnixHttp.parse(cl, false).text()).isEqualTo("hello");
        assertThat(UnixHttp.parse(java.util.Arrays.copyOf(cl, cl.length - 1), false)).as("incomplete").isNull();
        byte[] chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nhel\r\n2\r\nlo\r\n0\r\nX-Trailer: t\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        assertThat(UnixHttp.parse(chunked, false).text()).isEqualTo("hello");
        assertThat(UnixHttp.parse(java.util.Arrays.copyOf(chunked, chunked.length - 2), false)).as("no final CRLF yet").isNull();
        assertThat(UnixHttp.parse("HTTP/1.0 200 OK\r\n\r\nuntil close".getBytes(StandardCharsets.ISO_8859_1), true).text()).isEqualTo("until close");
        assertThatThrownBy(() -> UnixHttp.parse("SSH-2.0-OpenSSH\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), false))
                .hasMessage("not an HTTP/1.x response: \"SSH-2.0-OpenSSH\"");
        assertThatThrownBy(() -> UnixHttp.parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".getBytes(StandardCharsets.ISO_8859_1), false))
                .hasMessage("bad chunk size \"zz\"");
        assertThatThrownBy(() -> UnixHttp.parse("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), false))
                .hasMessage("bad Content-Length \"-1\"");
    }

    @Test
    void aSilentEngineTimesOut() throws Exception {
        Path sock = dir.resolve("silent.sock");
        try (ServerSocketChannel silent = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            silent.bind(UnixDomainSocketAddress.of(sock));
            long start = System.nanoTime();
            assertThatThrownBy(() -> UnixHttp.get(sock, "/v1.41/containers/x/json", Duration.ofMillis(300), 1024))
                    .hasMessage("no complete answer within 300 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            try (SocketChannel unused = silent.accept()) {
                // the connection was made; nothing was ever answered
            }
        }
    }
}
