package dev.signet.agent.peer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a process's start time, field 22 of {@code /proc/<pid>/stat}, in clock ticks since boot. */
public final class ProcStat {
    /** Field 22 is the 20th field after the command name, which is field 2. */
    private static final int START_TIME_INDEX = 22 - 3;

    private ProcStat() {}

    /**
     * Parses the start time out of one {@code /proc/<pid>/stat} line. The command name (field 2) is
     * wrapped in parentheses and may itself hold spaces and parentheses ({@code 12 (a) b (c) S 1 ...}),
     * so parsing starts after the <em>last</em> {@code ')'}.
     *
     * @throws IllegalArgumentException if the line is not a stat line
     */
    public static long startTime(String statLine) {
        int close = statLine.lastIndexOf(')');
        if (close < 0 || statLine.indexOf('(') < 0 || statLine.indexOf('(') > close) {
            throw new IllegalArgumentException("malformed /proc stat line: no command name in parentheses");
        }
        String[] fields = statLine.substring(close + 1).trim().split(" +");
        if (fields.length <= START_TIME_INDEX) {
            throw new IllegalArgumentException("malformed /proc stat line: " + (fields.length + 2) + " fields, expected at least 22");
        }
        try {
            return Long.parseLong(fields[START_TIME_INDEX]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed /proc stat line: start time \"" + fields[START_TIME_INDEX] + "\" is not a number");
        }
    }

    /**
     * Reads the start time of process {@code pid} from {@code <procRoot>/<pid>/stat}. Read as ISO-8859-1:
     * the command name is arbitrary bytes, not necessarily UTF-8.
     */
    public static long readStartTime(Path procRoot, long pid) throws IOException {
        String line = Files.readString(procRoot.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.ISO_8859_1);
        try {
            return startTime(line);
        } catch (IllegalArgumentException e) {
            throw new IOException(procRoot.resolve(Long.toString(pid)).resolve("stat") + ": " + e.getMessage(), e);
        }
    }
}
