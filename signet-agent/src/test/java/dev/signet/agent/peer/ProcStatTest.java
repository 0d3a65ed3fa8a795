package dev.signet.agent.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProcStatTest {
    /** A stat line whose field 22 is {@code startTime}, with {@code comm} as the command name. */
    static String stat(int pid, String comm, long startTime) {
        StringBuilder s = new StringBuilder(pid + " (" + comm + ") S 1");
        for (int field = 5; field <= 52; field++) {
            s.append(' ').append(field == 22 ? startTime : field);
        }
        return s.append('\n').toString();
    }

    @Test
    void readsField22() {
        String real = "1234 (java) S 1 1234 1234 0 -1 4194560 12345 0 3 0 150 20 0 0 20 0 25 0 987654 5000000000 30000 "
                + "18446744073709551615 1 1 0 0 0 0 0 4096 17414 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
        assertThat(ProcStat.startTime(real)).isEqualTo(987654);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "x) S 1 2 3 (y", ")", "((", ") 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 (", "tab\there"})
    void commandNamesWithSpacesAndParenthesesDoNotShiftFields(String comm) {
        assertThat(ProcStat.startTime(stat(42, comm, 31337))).isEqualTo(31337);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "42 java S 1", "42 (java) S 1 2 3", "42 (java) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 x 20"})
    void malformedLinesAreRejected(String line) {
        assertThatThrownBy(() -> ProcStat.startTime(line)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("malformed /proc stat line");
    }

    @Test
    void readsTheStatFileOfAPidUnderAProcRoot(@TempDir Path proc) throws IOException {
        Files.createDirectories(proc.resolve("7"));
        // Not UTF-8: the command name is arbitrary bytes.
        Files.write(proc.resolve("7/stat"), stat(7, "caf\u00e9", 99).getBytes(StandardCharsets.ISO_8859_1));
        assertThat(ProcStat.readStartTime(proc, 7)).isEqualTo(99);
        assertThatThrownBy(() -> ProcStat.readStartTime(proc, 8)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void ownStartTimeMatchesTheJdk() throws IOException {
        long ticks = ProcStat.readStartTime(Path.of("/proc"), ProcessHandle.current().pid());
        assertThat(ticks).isPositive();
    }
}
