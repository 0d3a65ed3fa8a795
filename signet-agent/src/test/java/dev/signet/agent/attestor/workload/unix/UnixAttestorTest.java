package dev.signet.agent.attestor.workload.unix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.agent.attestor.workload.AttestationException;
import dev.signet.agent.attestor.workload.Caller;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import dev.signet.core.selector.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The unix attestor on fixture /proc and /etc files, and once on this process. */
class UnixAttestorTest {
    private static final Caller CALLER = new Caller(1234, 1000, 1000);

    @TempDir
    Path root;

    private Path proc;
    private Path passwd;
    private Path group;

    @BeforeEach
    void fixtures() throws Exception {
        proc = root.resolve("proc");
        passwd = root.resolve("etc/passwd");
        group = root.resolve("etc/group");
        Files.createDirectories(proc.resolve("1234"));
        Files.createDirectories(passwd.getParent());
        // real 1000, effective 1001 (SPIRE uses the effective ids)
        status(1234, "Uid:\t1000\t1001\t1001\t1001", "Gid:\t2000\t2001\t2001\t2001", "Groups:\t4 24 999 ");
        Files.writeString(passwd, """
                root:x:0:0:root:/root:/bin/bash
                # a comment
                alice:x:1000:1000::/home/alice:/bin/sh
                bob:x:1001:2001::/home/bob:/bin/sh
                bobby:x:1001:2001::/home/bobby:/bin/sh
                """);
        Files.writeString(group, """
                root:x:0:
                adm:x:4:bob
                cdrom:x:24:bob
                staff:x:2001:
                """);
    }

    private void status(int pid, String... lines) throws Exception {
        Files.writeString(proc.resolve(pid + "/status"), "Name:\tworkload\nState:\tS (sleeping)\n" + String.join("\n", lines) + "\nVmRSS:\t100 kB\n");
    }

    private UnixAttestor attestor(UnixAttestor.Config config) {
        return new UnixAttestor(config, proc, passwd, group);
    }

    private static List<String> rendered(List<Selector> selectors) {
        return selectors.stream().map(Selector::toString).toList();
    }

    @Test
    void effectiveIdsNamesAndSupplementaryGroups() throws Exception {
        List<Selector> selectors = attestor(UnixAttestor.Config.defaults()).attest(CALLER);

        assertThat(rendered(selectors)).containsExactly(
                "unix:uid:1001", "unix:user:bob", "unix:gid:2001", "unix:group:staff",
                "unix:supplementary_gid:4", "unix:supplementary_gid:24", "unix:supplementary_gid:999",
                "unix:supplementary_group:adm", "unix:supplementary_group:cdrom");
        assertThat(selectors).allSatisfy(s -> assertThat(s.type()).isEqualTo("unix"));
    }

    @Test
    void unknownIdsGetNoNameSelectorAndNoError() throws Exception {
        status(1234, "Uid:\t4242\t4242\t4242\t4242", "Gid:\t4343\t4343\t4343\t4343", "Groups:\t");
        assertThat(rendered(attestor(UnixAttestor.Config.defaults()).attest(CALLER))).containsExactly("unix:uid:4242", "unix:gid:4343");
    }

    @Test
    void missingPasswdAndGroupFilesMeanNoNames() throws Exception {
        Files.delete(passwd);
        Files.delete(group);
        assertThat(rendered(attestor(UnixAttestor.Config.defaults()).attest(CALLER)))
                .containsExactly("unix:uid:1001", "unix:gid:2001", "unix:supplementary_gid:4", "unix:supplementary_gid:24",
                        "unix:supplementary_gid:999");
    }

    @Test
    void aSingleIdPerLineIsUsed() throws Exception {
        status(1234, "Uid:\t0", "Gid:\t0");
        assertThat(rendered(attestor(UnixAttestor.Config.defaults()).attest(CALLER)))
                .containsExactly("unix:uid:0", "unix:user:root", "unix:gid:0", "unix:group:root");
    }

    @Test
    void missingProcessFailsNamingTheAttestor() {
        assertThatThrownBy(() -> attestor(UnixAttestor.Config.defaults()).attest(new Caller(999999, 0, 0)))
                .isInstanceOf(AttestationException.class).hasMessage("unix: process 999999 not found");
    }

    @Test
    void malformedStatusFails() throws Exception {
        status(1234, "Gid:\t1\t1\t1\t1");
        assertThatThrownBy(() -> attestor(UnixAttestor.Config.defaults()).attest(CALLER))
                .isInstanceOf(AttestationException.class).hasMessageStartingWith("unix: malformed status of process 1234: no Uid line");
        status(1234, "Uid:\t1\tx\t1\t1", "Gid:\t1\t1\t1\t1");
        assertThatThrownBy(() -> attestor(UnixAttestor.Config.defaults()).attest(CALLER))
                .isInstanceOf(AttestationException.class).hasMessageContaining("\"x\"").hasMessageStartingWith("unix: malformed");
    }

    @Test
    void workloadPathAndHashOnlyWhenDiscoveryIsEnabled() throws Exception {
        Path exe = root.resolve("bin/workload");
        Files.createDirectories(exe.getParent());
        Files.write(exe, new byte[] {1, 2, 3, 4});
        Files.createSymbolicLink(proc.resolve("1234/exe"), exe);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[] {1, 2, 3, 4}));

        assertThat(rendered(attestor(UnixAttestor.Config.defaults()).attest(CALLER))).noneMatch(s -> s.startsWith("unix:path:") || s.startsWith("unix:sha256:"));

        List<String> selectors = rendered(attestor(new UnixAttestor.Config(true, 0)).attest(CALLER));
        assertThat(selectors).endsWith("unix:path:" + exe, "unix:sha256:" + sha);

        assertThat(rendered(attestor(new UnixAttestor.Config(true, -1)).attest(CALLER)))
                .as("negative limit: never hash").endsWith("unix:path:" + exe).noneMatch(s -> s.startsWith("unix:sha256:"));
        assertThat(rendered(attestor(new UnixAttestor.Config(true, 4)).attest(CALLER))).as("exactly at the limit").contains("unix:sha256:" + sha);
        assertThatThrownBy(() -> attestor(new UnixAttestor.Config(true, 3)).attest(CALLER))
                .isInstanceOf(AttestationException.class).hasMessageStartingWith("unix: executable of process 1234 is larger than workload_size_limit");
    }

    @Test
    void unreadableExecutableFailsWhenDiscoveryIsEnabled() {
        assertThatThrownBy(() -> attestor(new UnixAttestor.Config(true, 0)).attest(CALLER))
                .isInstanceOf(AttestationException.class).hasMessageStartingWith("unix: cannot read the executable path of process 1234");
    }

    @Test
    void thisProcessAgainstTheRealProc() throws Exception {
        int pid = (int) ProcessHandle.current().pid();
        long uid = -1;
        long gid = -1;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                uid = Long.parseLong(line.split("\\s+")[2]);
            } else if (line.startsWith("Gid:")) {
                gid = Long.parseLong(line.split("\\s+")[2]);
            }
        }
        Path exe = Files.readSymbolicLink(Path.of("/proc/self/exe"));
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(exe)));

        List<String> selectors = rendered(new UnixAttestor(new UnixAttestor.Config(true, 0)).attest(new Caller(pid, (int) uid, (int) gid)));

        assertThat(selectors).contains("unix:uid:" + uid, "unix:gid:" + gid, "unix:path:" + exe, "unix:sha256:" + sha);
        if (uid == 0) {
            assertThat(selectors).contains("unix:user:root");
        }
    }

    @Test
    void configFromHcl() {
        UnixAttestor.Config config = UnixAttestor.Config.from(ConfigBlock.parse("test", """
                discover_workload_path = true
                workload_size_limit = 1048576
                """));
        assertThat(config).isEqualTo(new UnixAttestor.Config(true, 1048576));
        assertThat(UnixAttestor.Config.from(ConfigBlock.parse("test", ""))).isEqualTo(UnixAttestor.Config.defaults());
        assertThat(UnixAttestor.Config.from(ConfigBlock.parse("test", "workload_size_limit = 5000000000")).workloadSizeLimit())
                .isEqualTo(5_000_000_000L);
        assertThatThrownBy(() -> UnixAttestor.Config.from(ConfigBlock.parse("test", "discover_workload_paths = true")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("discover_workload_paths");
        assertThatThrownBy(() -> UnixAttestor.Config.from(ConfigBlock.parse("test", "workload_size_limit = \"big\"")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("workload_size_limit");
    }
}
