package dev.signet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.cli.testing.CliRunner;
import dev.signet.cli.testing.CliRunner.Result;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code agent run --server-address} takes several servers: repeated, or comma-separated. */
class AgentServerAddressFlagTest {
    @Test
    void repeatedAndCommaSeparatedFlagsReachTheLauncherInOrder() {
        RunCommandsTest.RecordingLauncher l = new RunCommandsTest.RecordingLauncher();
        Result r = CliRunner.run(l, Map.of(), "agent", "run", "--server-address", "a.example:8443",
                "--server-address", "b.example,c.example:9000");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(l.agent.serverAddress()).isEqualTo("a.example:8443,b.example,c.example:9000");
    }

    @Test
    void aBlankAddressIsRefusedNamingTheFlag() {
        RunCommandsTest.RecordingLauncher l = new RunCommandsTest.RecordingLauncher();
        Result r = CliRunner.run(l, Map.of(), "agent", "run", "--server-address", " ");
        assertThat(r.code()).as(r.toString()).isNotZero();
        assertThat(r.err()).contains("--server-address");
        assertThat(l.agent).isNull();
    }
}
