package dev.signet.cli.common;

import java.io.PrintStream;

/** Aligned {@code Label : value} lines, as SPIRE's CLI prints entries and agents. */
public final class TextBlock {
    private static final int WIDTH = 17;
    private final StringBuilder sb = new StringBuilder();

    public TextBlock line(String label, Object value) {
        sb.append(label);
        for (int i = label.length(); i < WIDTH; i++) {
            sb.append(' ');
        }
        sb.append(": ").append(value).append('\n');
        return this;
    }

    public void print(PrintStream out) {
        out.print(sb);
    }

    @Override
    public String toString() {
        return sb.toString();
    }

    /** Unix time as RFC 3339, or {@code -} for 0. */
    public static String time(long unixSeconds) {
        String t = Json.time(unixSeconds);
        return t == null ? "-" : t;
    }
}
