package dev.signet.agent.attestor.workload.unix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link UnixAttestor#readSmallFile}: the reused-buffer read behind every {@code /proc/<pid>/status} read. */
class UnixAttestorReadTest {
    @TempDir
    Path dir;

    @Test
    void readsTheRealProcStatusWhoseSizeTheKernelReportsAsZero() throws Exception {
        Path status = Path.of("/proc/self/status");
        assertThat(Files.size(status)).isZero();
        String text = UnixAttestor.readSmallFile(status);
        assertThat(text).startsWith("Name:").contains("\nUid:").contains("\nGid:").contains("\nGroups:");
        assertThat(UnixAttestor.parseStatus(text).uid()).isEqualTo(Long.parseLong(
                text.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[2]));
    }

    @Test
    void filesLargerThanTheBufferAndNonAsciiBytesComeBackWhole() throws Exception {
        byte[] content = new byte[10_000];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31);
        }
        Path big = Files.write(dir.resolve("big"), content);
        Path small = Files.write(dir.resolve("small"), "Uid:\t7\t8\t9\t10\n".getBytes(StandardCharsets.ISO_8859_1));

        assertThat(UnixAttestor.readSmallFile(big).getBytes(StandardCharsets.ISO_8859_1)).isEqualTo(content);
        // the grown buffer is reused: a later, shorter read returns only its own bytes
        assertThat(UnixAttestor.readSmallFile(small)).isEqualTo("Uid:\t7\t8\t9\t10\n");
        assertThat(UnixAttestor.readSmallFile(Files.write(dir.resolve("empty"), new byte[0]))).isEmpty();
    }

    @Test
    void aMissingFileIsFileNotFound() {
        assertThatThrownBy(() -> UnixAttestor.readSmallFile(dir.resolve("absent"))).isInstanceOf(FileNotFoundException.class);
    }
}
