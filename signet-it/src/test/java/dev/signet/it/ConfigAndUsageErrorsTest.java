package dev.signet.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.it.harness.ChildProcess;
import dev.signet.it.harness.CliResult;
import dev.signet.it.harness.ItDirs;
import dev.signet.it.harness.Jvm;
import dev.signet.it.harness.Workload;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code signet server run} / {@code agent run} as real processes with bad configuration or flags: they exit
 * non-zero with one {@code error:} line naming the file and line or the key or flag at fault, never a stack trace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class ConfigAndUsageErrorsTest {
    private final Path dir = ItDirs.newDir("config-errors");

    @Test
    void badServerConfigsAndFlagsFailWithOneLineNamingTheCulprit() {
        Path malformed = config("malformed.hcl", """
                server {
                  trust_domain = "example.org"
                  data_dir     = "%s"
                  bind_port    =
                  log_level    = "info"
                }
                """);
        Path unclosed = config("unclosed.hcl", """
                server {
                  trust_domain = "example.org"
                  data_dir     = "%s"
                """);
        Path badTrustDomain = config("bad-td.hcl", """
                server {
                  trust_domain = "Example Org"
                  data_dir     = "%s"
                  bind_port    = 0
                  socket_path  = "%s/never.sock"
                }
                """);
        Path portInTrustDomain = config("port-td.hcl", """
                server {
                  trust_domain = "example.org:8080"
                  data_dir     = "%s"
                  bind_port    = 0
                  socket_path  = "%s/never.sock"
                }
                """);
        Path unknownKey = config("unknown-key.hcl", """
                server {
                  trust_domain = "example.org"
                  data_dir     = "%s"
                  bind_port    = 0
                  bind_prot    = 8081
                }
                """);
        // All at once: each is a JVM that fails fast.
        List<ChildProcess> runs = new ArrayList<>();
        runs.add(server("malformed", "--config", malformed.toString()));
        runs.add(server("unclosed", "--config", unclosed.toString()));
        runs.add(server("bad-td", "--config", badTrustDomain.toString()));
        runs.add(server("port-td", "--config", portInTrustDomain.toString()));
        runs.add(server("unknown-key", "--config", unknownKey.toString()));
        runs.add(server("unknown-flag", "--config", unknownKey.toString(), "--frobnicate"));
        runs.add(server("bad-port-flag", "--trust-domain", "example.org", "--bind-port", "70000"));
        List<CliResult> r = new ArrayList<>();
        for (ChildProcess p : runs) {
            r.add(Workload.runToEnd(p, p.name()));
        }

        assertOneErrorLine(r.get(0), 1, "error: " + malformed + ": malformed HCL: line 4: ");
        assertOneErrorLine(r.get(1), 1, "error: " + unclosed + ": malformed HCL: line 1: ");
        assertOneErrorLine(r.get(2), 1, "error: server.trust_domain: ");
        assertThat(r.get(2).stderr()).contains("\"Example Org\"");
        assertOneErrorLine(r.get(3), 1, "error: server.trust_domain: ");
        assertThat(r.get(3).stderr()).contains("\"example.org:8080\"");
        assertOneErrorLine(r.get(4), 1, "error: server.bind_prot: unknown configuration key");
        // Usage errors exit 2, name the flag, and add a usage summary after the error line.
        assertThat(r.get(5).exit()).as(r.get(5)::toString).isEqualTo(2);
        assertThat(r.get(5).stderr().lines().findFirst()).as(r.get(5)::toString)
                .hasValue("error: unknown flag '--frobnicate' for 'signet server run'");
        assertThat(r.get(6).exit()).as(r.get(6)::toString).isEqualTo(2);
        assertThat(r.get(6).stderr().lines().findFirst().orElse("")).as(r.get(6)::toString).startsWith("error: --bind-port: ");
        for (CliResult c : r) {
            assertThat(c.stdout()).as(c::toString).isEmpty();
            assertThat(c.stderr()).as("no stack trace: " + c).doesNotContain("\tat ").doesNotContain("Exception");
        }
    }

    @Test
    void agentWithoutServerAddressOrWithBothTrustModesIsRefused() {
        Path noAddress = config("agent-no-address.hcl", """
                agent {
                  trust_domain = "example.org"
                  data_dir     = "%s"
                  join_token   = "abc"
                  insecure_bootstrap = true
                }
                """);
        Path both = config("agent-both.hcl", """
                agent {
                  trust_domain       = "example.org"
                  server_address     = "127.0.0.1"
                  data_dir           = "%s"
                  join_token         = "abc"
                  trust_bundle_path  = "%s/bundle.pem"
                  insecure_bootstrap = true
                }
                """);
        CliResult a = Workload.runToEnd(agent("agent-no-address", "--config", noAddress.toString()), "agent-no-address");
        CliResult b = Workload.runToEnd(agent("agent-both", "--config", both.toString()), "agent-both");
        assertOneErrorLine(a, 1, "error: agent.server_address: ");
        assertOneErrorLine(b, 1, "error: agent.insecure_bootstrap: ");
    }

    private static void assertOneErrorLine(CliResult r, int exit, String prefix) {
        assertThat(r.exit()).as(r::toString).isEqualTo(exit);
        assertThat(r.stderr().lines().toList()).as(r::toString).hasSize(1);
        assertThat(r.stderr()).as(r::toString).startsWith(prefix);
    }

    private Path config(String name, String template) {
        Path f = dir.resolve(name);
        Path data = dir.resolve(name + ".data");
        ItDirs.write(f, template.formatted(data, dir));
        return f;
    }

    private ChildProcess server(String name, String... args) {
        List<String> a = new ArrayList<>(List.of("server", "run"));
        a.addAll(List.of(args));
        return ChildProcess.start("server-" + name, dir, Jvm.signet(Jvm.SMALL, a), Map.of());
    }

    private ChildProcess agent(String name, String... args) {
        List<String> a = new ArrayList<>(List.of("agent", "run"));
        a.addAll(List.of(args));
        return ChildProcess.start(name, dir, Jvm.signet(Jvm.SMALL, a), Map.of());
    }
}
