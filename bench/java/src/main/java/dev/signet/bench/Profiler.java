package dev.signet.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * JFR execution sampling of a running Signet JVM with {@code jcmd PID JFR.start/JFR.stop} (no change to its
 * flags), summarized as the hottest top frames and the hottest first Signet frames of the sampled stacks.
 */
final class Profiler {
    private final long pid;
    private final Path file;
    private final String name;

    private Profiler(long pid, Path file, String name) {
        this.pid = pid;
        this.file = file;
        this.name = name;
    }

    static Profiler start(long pid, Path file, String name) {
        exec("jcmd", Long.toString(pid), "JFR.start", "name=" + name, "settings=profile", "filename=" + file);
        return new Profiler(pid, file, name);
    }

    /** Stops the recording and returns a markdown summary. */
    String stop(String title) {
        exec("jcmd", Long.toString(pid), "JFR.stop", "name=" + name);
        String text = exec("jfr", "print", "--stack-depth", "64", "--events", "jdk.ExecutionSample", file.toString());
        Map<String, Integer> top = new HashMap<>();
        Map<String, Integer> signet = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        int samples = 0;
        List<String> frames = new ArrayList<>();
        boolean inStack = false;
        String thread = "?";
        for (String raw : text.split("\n")) {
            String line = raw.trim();
            if (line.startsWith("sampledThread = ")) {
                thread = line.substring("sampledThread = ".length()).replaceAll("\\s*\\(javaThreadId.*", "")
                        .replaceAll("-\\d+\"$", "-N\"").replaceAll("#\\d+", "#N");
            } else if (line.startsWith("stackTrace = [")) {
                inStack = true;
                frames.clear();
            } else if (inStack && line.startsWith("]")) {
                inStack = false;
                samples++;
                if (!frames.isEmpty()) {
                    top.merge(frames.get(0), 1, Integer::sum);
                }
                frames.stream().filter(f -> f.startsWith("dev.signet.")).findFirst()
                        .ifPresent(f -> signet.merge(f, 1, Integer::sum));
                threads.merge(thread, 1, Integer::sum);
            } else if (inStack && !line.equals("...")) {
                frames.add(line.replaceAll("\\s+line: \\d+.*$", ""));
            }
        }
        StringBuilder sb = new StringBuilder("### ").append(title).append("\n\n").append(samples)
                .append(" JFR execution samples (settings=profile).\n\n");
        section(sb, "Hottest top frames", top, samples);
        section(sb, "Hottest first dev.signet frame in the stack", signet, samples);
        section(sb, "Samples by thread", threads, samples);
        return sb.toString();
    }

    private static void section(StringBuilder sb, String title, Map<String, Integer> counts, int samples) {
        sb.append("**").append(title).append("**\n\n| share | frame |\n|---:|---|\n");
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(12)
                .forEach(e -> sb.append(String.format(java.util.Locale.ROOT, "| %.1f%% | `%s` |\n",
                        100.0 * e.getValue() / Math.max(1, samples), e.getKey())));
        sb.append('\n');
    }

    private static String exec(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(5, TimeUnit.MINUTES);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean available() {
        try {
            return new ProcessBuilder("jcmd", "-h").start().waitFor() == 0 && Files.isDirectory(Path.of("/proc"));
        } catch (Exception e) {
            return false;
        }
    }
}
