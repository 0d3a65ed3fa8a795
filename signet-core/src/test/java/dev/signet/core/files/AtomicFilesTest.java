package dev.signet.core.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir Path dir;

    @Test
    void secretsAreOwnerOnlyAndReplacedWholeWithoutLeftovers() throws Exception {
        Path f = dir.resolve("key.pem");
        AtomicFiles.writeSecret(f, "one".getBytes());
        assertThat(Files.getPosixFilePermissions(f)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        AtomicFiles.writeSecret(f, "two".getBytes());
        assertThat(Files.readString(f)).isEqualTo("two");
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("key.pem");
        }
    }

    @Test
    void publicFilesAreWorldReadable() throws Exception {
        Path f = dir.resolve("sub/cert.pem");
        AtomicFiles.writePublic(f, "c".getBytes());
        assertThat(Files.getPosixFilePermissions(f)).isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
    }
}
