package dev.signet.agent.attestor.workload.unix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.agent.attestor.workload.AttestationException;
import dev.signet.agent.attestor.workload.Caller;
import dev.signet.core.selector.Selector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The unix attestor reads /etc/passwd and /etc/group once and again only when they change. */
class UnixAttestorNameCacheTest {
    private static final Caller CALLER = new Caller(1234, 1000, 1000);

    @TempDir
    Path root;

    private Path proc;
    private Path passwd;
    private Path group;
    private final Map<Path, AtomicInteger> reads = new ConcurrentHashMap<>();
    private UnixAttestor attestor;

    @BeforeEach
    void fixtures() throws Exception {
        proc = root.resolve("proc");
        passwd = root.resolve("etc/passwd");
        group = root.resolve("etc/group");
        Files.createDirectories(proc.resolve("1234"));
        Files.createDirectories(passwd.getParent());
        Files.writeString(proc.resolve("1234/status"), "Name:\tw\nUid:\t1001\t1001\t1001\t1001\nGid:\t2001\t2001\t2001\t2001\nGroups:\t4\n");
        Files.writeString(passwd, "root:x:0:0:root:/root:/bin/bash\nbob:x:1001:2001::/home/bob:/bin/sh\n");
        Files.writeString(group, "adm:x:4:bob\nstaff:x:2001:\n");
        IdNames.LineReader counting = file -> {
            reads.computeIfAbsent(file, f -> new AtomicInteger()).incrementAndGet();
            return IdNames.FILES.readLines(file);
        };
        attestor = new UnixAttestor(UnixAttestor.Config.defaults(), proc, passwd, group, counting);
    }

    private List<String> attest() throws AttestationException {
        return attestor.attest(CALLER).stream().map(Selector::toString).toList();
    }

    private int reads(Path file) {
        AtomicInteger n = reads.get(file);
        return n == null ? 0 : n.get();
    }

    @Test
    void unchangedFilesAreReadOnceForManyCalls() throws Exception {
        for (int i = 0; i < 50; i++) {
            assertThat(attest()).containsExactly("unix:uid:1001", "unix:user:bob", "unix:gid:2001", "unix:group:staff",
                    "unix:supplementary_gid:4", "unix:supplementary_group:adm");
        }
        assertThat(reads(passwd)).isEqualTo(1);
        assertThat(reads(group)).isEqualTo(1);
    }

    @Test
    void aFileRewrittenInPlaceIsReadAgain() throws Exception {
        assertThat(attest()).contains("unix:user:bob");
        FileTime before = Files.getLastModifiedTime(passwd);
        // same size, only the name differs; the modification time moves on (set explicitly, so the test
        // does not depend on the filesystem's timestamp resolution)
        Files.writeString(passwd, "root:x:0:0:root:/root:/bin/bash\nbib:x:1001:2001::/home/bob:/bin/sh\n");
        Files.setLastModifiedTime(passwd, FileTime.fromMillis(before.toMillis() + 1000));

        assertThat(attest()).contains("unix:user:bib").doesNotContain("unix:user:bob");
        assertThat(reads(passwd)).isEqualTo(2);
        assertThat(reads(group)).as("group file unchanged").isEqualTo(1);
        attest();
        assertThat(reads(passwd)).isEqualTo(2);
    }

    @Test
    void aFileWithAnotherSizeIsReadAgainEvenWithTheSameModificationTime() throws Exception {
        attest();
        FileTime before = Files.getLastModifiedTime(group);
        Files.writeString(group, "adm:x:4:bob\nstaffers:x:2001:\n");
        Files.setLastModifiedTime(group, before);

        assertThat(attest()).contains("unix:group:staffers");
        assertThat(reads(group)).isEqualTo(2);
    }

    @Test
    void aFileReplacedByRenameIsReadAgainEvenWithTheSameSizeAndTime() throws Exception {
        attest();
        FileTime before = Files.getLastModifiedTime(passwd);
        Path tmp = passwd.resolveSibling("passwd+");
        Files.writeString(tmp, "root:x:0:0:root:/root:/bin/bash\nbib:x:1001:2001::/home/bob:/bin/sh\n");
        Files.setLastModifiedTime(tmp, before);
        Files.move(tmp, passwd, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        assertThat(attest()).contains("unix:user:bib");
        assertThat(reads(passwd)).isEqualTo(2);
    }

    @Test
    void aFileThatAppearsOrDisappearsIsNoticed() throws Exception {
        Files.delete(passwd);
        assertThat(attest()).doesNotContain("unix:user:bob");
        attest();
        assertThat(reads(passwd)).as("a missing file is not read").isZero();

        Files.writeString(passwd, "bob:x:1001:2001::/home/bob:/bin/sh\n");
        assertThat(attest()).contains("unix:user:bob");
        Files.delete(passwd);
        assertThat(attest()).doesNotContain("unix:user:bob").contains("unix:uid:1001");
    }

    @Test
    void anUnreadableFileFailsNamingTheAttestorAndIsRetried() throws Exception {
        attestor = new UnixAttestor(UnixAttestor.Config.defaults(), proc, passwd, group, file -> {
            throw new IOException("Permission denied");
        });
        assertThatThrownBy(this::attest).isInstanceOf(AttestationException.class)
                .hasMessage("unix: cannot read " + passwd + ": Permission denied");
        assertThatThrownBy(this::attest).isInstanceOf(AttestationException.class).hasMessageStartingWith("unix: cannot read");
    }

    @Test
    void parseKeepsTheFirstNameForAnIdAndSkipsCommentsAndEmptyNames() {
        assertThat(IdNames.parse(List.of("# c:x:1:", "", ":x:1:", "a:x:1:", "b:x:1:", "c:x:01:", "short:x")))
                .isEqualTo(Map.of("1", "a", "01", "c"));
    }
}
