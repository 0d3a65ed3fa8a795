package dev.signet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.cli.run.AgentFlags;
import dev.signet.cli.run.DevFlags;
import dev.signet.cli.run.Launcher;
import dev.signet.cli.run.ServerFlags;
import dev.signet.cli.testing.CliRunner;
import dev.signet.cli.testing.CliRunner.Result;
import dev.signet.core.spiffeid.TrustDomain;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code server run}, {@code agent run} and {@code dev} hand exactly the given flags to the launcher. */
class RunCommandsTest {
    @TempDir
    Path dir;

    /** Records what it was asked to run and returns a chosen exit code. */
    static final class RecordingLauncher implements Launcher {
        ServerFlags server;
        AgentFlags agent;
        DevFlags dev;
        int exitCode;
        RuntimeException failure;

        @Override
        public int runServer(ServerFlags flags, PrintStream out, PrintStream err) {
            server = flags;
            return finish();
        }

        @Override
        public int runAgent(AgentFlags flags, PrintStream out, PrintStream err) {
            agent = flags;
            return finish();
        }

        @Override
        public int runDev(DevFlags flags, PrintStream out, PrintStream err) {
            dev = flags;
            return finish();
        }

        private int finish() {
            if (failure != null) {
                throw failure;
            }
            return exitCode;
        }
    }

    @Test
    void serverRunWithoutFlagsPassesAllNulls() {
        RecordingLauncher l = new RecordingLauncher();
        assertThat(CliRunner.run(l, Map.of(), "server", "run").code()).isZero();
        assertThat(l.server).isEqualTo(new ServerFlags(null, null, null, null, null, null, null));
    }

    @Test
    void serverRunPassesTheGivenFlags() throws IOException {
        Path config = Files.writeString(dir.resolve("server.hcl"), "server {}\n");
        RecordingLauncher l = new RecordingLauncher();
        Result r = CliRunner.run(l, Map.of(), "server", "run", "--config", config.toString(), "--trust-domain", "example.org",
                "--data-dir", "/var/lib/signet", "--bind-address", "0.0.0.0", "--bind-port", "8081",
                "--socket-path", "/run/signet/server.sock", "--log-level", "debug");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(l.server).isEqualTo(new ServerFlags(config, new TrustDomain("example.org"), Path.of("/var/lib/signet"),
                "0.0.0.0", 8081, Path.of("/run/signet/server.sock"), "DEBUG"));
    }

    @Test
    void agentRunPassesTheGivenFlagsAndNullsForTheRest() {
        RecordingLauncher l = new RecordingLauncher();
        Result r = CliRunner.run(l, Map.of(), "agent", "run", "--server-address", "signet.internal", "--server-port", "8081",
                "--join-token", "s3cret", "--insecure-bootstrap");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(l.agent).isEqualTo(new AgentFlags(null, null, "signet.internal", 8081, null, null, "s3cret", null,
                Boolean.TRUE, null));
        assertThat(l.agent.toString()).doesNotContain("s3cret").contains("joinToken=(redacted)");
    }

    @Test
    void insecureBootstrapCanBeTurnedOffExplicitly() {
        RecordingLauncher l = new RecordingLauncher();
        CliRunner.run(l, Map.of(), "agent", "run", "--insecure-bootstrap=false");
        assertThat(l.agent.insecureBootstrap()).isFalse();
    }

    @Test
    void insecureBootstrapAndTrustBundleConflict() throws IOException {
        Path bundle = Files.writeString(dir.resolve("bundle.pem"), "");
        RecordingLauncher l = new RecordingLauncher();
        Result r = CliRunner.run(l, Map.of(), "agent", "run", "--insecure-bootstrap", "--trust-bundle", bundle.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: --insecure-bootstrap: cannot be combined with --trust-bundle");
        assertThat(l.agent).isNull();
    }

    @Test
    void devAppliesDefaultsAndCreatesATemporaryDataDir() throws IOException {
        RecordingLauncher l = new RecordingLauncher();
        Result r = CliRunner.run(l, Map.of(), "dev");
        try {
            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(l.dev.trustDomain()).isEqualTo(new TrustDomain("example.org"));
            assertThat(l.dev.temporaryDataDir()).isTrue();
            assertThat(l.dev.dataDir()).isDirectory();
            assertThat(l.dev.socket()).isEqualTo(Path.of("/tmp/signet/agent.sock"));
            assertThat(l.dev.serverSocket()).isEqualTo(Path.of("/tmp/signet/server.sock"));
        } finally {
            Files.deleteIfExists(l.dev.dataDir());
        }
    }

    @Test
    void devTakesSocketsFromTheEnvironmentAndFlags() {
        RecordingLauncher l = new RecordingLauncher();
        Map<String, String> env = Map.of("SPIFFE_ENDPOINT_SOCKET", "unix:///run/a.sock", "SIGNET_SERVER_SOCKET", "/run/s.sock");
        CliRunner.run(l, env, "dev", "--data-dir", dir.toString(), "--trust-domain", "dev.test");
        assertThat(l.dev).isEqualTo(new DevFlags(new TrustDomain("dev.test"), dir, false, Path.of("/run/a.sock"),
                Path.of("/run/s.sock")));

        CliRunner.run(l, env, "dev", "--data-dir", dir.toString(), "--socket", "/x/agent.sock", "--server-socket", "/x/s.sock");
        assertThat(l.dev.socket()).isEqualTo(Path.of("/x/agent.sock"));
        assertThat(l.dev.serverSocket()).isEqualTo(Path.of("/x/s.sock"));
    }

    @Test
    void launcherExitCodeAndFailuresReachTheUser() {
        RecordingLauncher l = new RecordingLauncher();
        l.exitCode = 3;
        assertThat(CliRunner.run(l, Map.of(), "server", "run").code()).isEqualTo(3);

        l.failure = new IllegalStateException("config: server.trust_domain is required");
        Result r = CliRunner.run(l, Map.of(), "agent", "run");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: config: server.trust_domain is required\n");
    }
}
