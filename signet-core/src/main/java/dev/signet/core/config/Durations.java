package dev.signet.core.config;

import java.time.Duration;

/** Go-style durations as operators write them in SPIRE and Consul configs: {@code 90s}, {@code 1h30m}, {@code 500ms}. */
public final class Durations {
    private Durations() {}

    public static Duration parse(String s) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("duration is empty");
        }
        String in = s.trim();
        Duration total = Duration.ZERO;
        int i = 0;
        while (i < in.length()) {
            int start = i;
            while (i < in.length() && (Character.isDigit(in.charAt(i)))) {
                i++;
            }
            if (start == i) {
                throw new IllegalArgumentException("invalid duration \"" + s + "\" (expected e.g. 30s, 10m, 1h30m)");
            }
            long n;
            try {
                n = Long.parseLong(in.substring(start, i));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid duration \"" + s + "\": number too large");
            }
            int unitStart = i;
            while (i < in.length() && Character.isLetter(in.charAt(i))) {
                i++;
            }
            String unit = in.substring(unitStart, i);
            total = total.plus(switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> throw new IllegalArgumentException("invalid duration \"" + s + "\": unknown unit \"" + unit
                        + "\" (use ms, s, m, h or d)");
            });
        }
        return total;
    }

    /** Formats compactly: {@code 1h30m}, {@code 45s}. */
    public static String format(Duration d) {
        long secs = d.toSeconds();
        if (secs == 0) {
            return d.toMillis() + "ms";
        }
        StringBuilder sb = new StringBuilder();
        long h = secs / 3600, m = (secs % 3600) / 60, sec = secs % 60;
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (m > 0) {
            sb.append(m).append('m');
        }
        if (sec > 0) {
            sb.append(sec).append('s');
        }
        return sb.toString();
    }
}
