package dev.signet.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Every figure of one run: Signet's, SPIRE's where it has one, and the ratio Signet ÷ SPIRE. */
final class Results {
    /** One figure. {@code lowerIsBetter} says which way "ahead" points. */
    static final class Metric {
        final String key;
        final String section;
        final String label;
        final String unit;
        final boolean lowerIsBetter;
        Double signet;
        Double spire;
        String note = "";

        Metric(String key, String section, String label, String unit, boolean lowerIsBetter) {
            this.key = key;
            this.section = section;
            this.label = label;
            this.unit = unit;
            this.lowerIsBetter = lowerIsBetter;
        }

        Double ratio() {
            return signet == null || spire == null || spire == 0 ? null : signet / spire;
        }

        /** Whether Signet is ahead of SPIRE; null without a SPIRE figure. */
        Boolean ahead() {
            if (signet == null || spire == null || (signet == 0 && spire == 0)) {
                return null;
            }
            return lowerIsBetter ? signet <= spire : signet >= spire;
        }
    }

    final Map<String, Metric> metrics = new LinkedHashMap<>();
    final Map<String, Object> machine = new LinkedHashMap<>();
    final Map<String, Object> sizes = new LinkedHashMap<>();
    final Map<String, Object> spire = new LinkedHashMap<>();
    final List<Map<String, Object>> targets = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    final List<String> profile = new ArrayList<>();
    String mode;
    String date;

    Metric metric(String key, String section, String label, String unit, boolean lowerIsBetter) {
        return metrics.computeIfAbsent(key, k -> new Metric(k, section, label, unit, lowerIsBetter));
    }

    void signet(String key, String section, String label, String unit, boolean lowerIsBetter, double v) {
        metric(key, section, label, unit, lowerIsBetter).signet = v;
    }

    void spire(String key, String section, String label, String unit, boolean lowerIsBetter, double v) {
        metric(key, section, label, unit, lowerIsBetter).spire = v;
    }

    void note(String key, String note) {
        Metric m = metrics.get(key);
        if (m != null) {
            m.note = m.note.isEmpty() ? note : m.note + "; " + note;
        }
    }

    void target(String name, String figure, double value, String op, double limit) {
        boolean met = op.equals("<=") ? value <= limit : value >= limit;
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("target", name);
        t.put("figure", figure);
        t.put("value", round(value));
        t.put("limit", op + " " + fmt(limit));
        t.put("met", met);
        targets.add(t);
    }

    static double round(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return v;
        }
        double a = Math.abs(v);
        double scale = a >= 1000 ? 1 : a >= 10 ? 100 : 1000;
        return Math.round(v * scale) / scale;
    }

    static String fmt(Double v) {
        if (v == null) {
            return "—";
        }
        double r = round(v);
        if (r == Math.rint(r) && Math.abs(r) < 1e15) {
            return String.format(Locale.ROOT, "%d", (long) r);
        }
        return String.format(Locale.ROOT, "%s", r);
    }

    String table() {
        StringBuilder sb = new StringBuilder();
        sb.append("| section | figure | unit | Signet | SPIRE | Signet ÷ SPIRE | ahead? | note |\n");
        sb.append("|---|---|---|---:|---:|---:|---|---|\n");
        for (Metric m : metrics.values()) {
            Double r = m.ratio();
            Boolean ahead = m.ahead();
            sb.append("| ").append(m.section).append(" | ").append(m.label).append(" | ").append(m.unit)
                    .append(" | ").append(fmt(m.signet)).append(" | ").append(fmt(m.spire))
                    .append(" | ").append(r == null ? "—" : String.format(Locale.ROOT, "%.2f", r))
                    .append(" | ").append(ahead == null ? "" : ahead ? "yes" : "**no**")
                    .append(" | ").append(m.note.replace("|", "/")).append(" |\n");
        }
        return sb.toString();
    }

    String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Signet vs SPIRE benchmark — ").append(date).append(" (").append(mode).append(")\n\n");
        sb.append("Produced by `bench/run`; every figure was measured in this run, on this machine, with real\n");
        sb.append("processes and sockets. Ratios are Signet ÷ SPIRE (for latency and memory lower is better, for\n");
        sb.append("rates higher is better).\n\n## Machine\n\n");
        machine.forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v).append('\n'));
        sb.append("\n## SPIRE\n\n");
        spire.forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v).append('\n'));
        sb.append("\n## Sizes\n\n");
        sizes.forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v).append('\n'));
        sb.append("\n## Results\n\n").append(table());
        sb.append("\n## Targets\n\n| target | figure | value | limit | met |\n|---|---|---:|---|---|\n");
        for (Map<String, Object> t : targets) {
            sb.append("| ").append(t.get("target")).append(" | ").append(t.get("figure")).append(" | ")
                    .append(fmt(((Number) t.get("value")).doubleValue())).append(" | ").append(t.get("limit"))
                    .append(" | ").append((Boolean) t.get("met") ? "yes" : "**no**").append(" |\n");
        }
        if (!notes.isEmpty()) {
            sb.append("\n## Notes\n\n");
            notes.forEach(n -> sb.append("- ").append(n).append('\n'));
        }
        if (!profile.isEmpty()) {
            sb.append("\n## Where the time goes (profiles)\n\n");
            profile.forEach(p -> sb.append(p).append("\n\n"));
        }
        return sb.toString();
    }

    Map<String, Object> json() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("date", date);
        root.put("mode", mode);
        root.put("machine", machine);
        root.put("spire", spire);
        root.put("sizes", sizes);
        List<Map<String, Object>> ms = new ArrayList<>();
        for (Metric m : metrics.values()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("key", m.key);
            o.put("section", m.section);
            o.put("label", m.label);
            o.put("unit", m.unit);
            o.put("better", m.lowerIsBetter ? "lower" : "higher");
            o.put("signet", m.signet == null ? null : round(m.signet));
            o.put("spire", m.spire == null ? null : round(m.spire));
            Double r = m.ratio();
            o.put("signet_over_spire", r == null ? null : Math.round(r * 1000) / 1000.0);
            o.put("ahead", m.ahead());
            o.put("note", m.note);
            ms.add(o);
        }
        root.put("metrics", ms);
        root.put("targets", targets);
        root.put("notes", notes);
        root.put("profile", profile);
        return root;
    }

    void write(Path dir, String baseName) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(baseName + ".md"), markdown());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(dir.resolve(baseName + ".json").toFile(), json());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
