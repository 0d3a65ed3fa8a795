package dev.signet.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A child OS process whose stdout and stderr go to files (read them at any time, also incrementally). Every
 * child is registered so that failures can show the tails of its output ({@link #tailsOfRecent}) and so that
 * none outlives the test JVM. {@link #close} stops it and its descendants.
 */
public final class ChildProcess implements AutoCloseable {
    /** Every child started in this JVM, in start order. */
    private static final List<ChildProcess> ALL = new CopyOnWriteArrayList<>();
    private static final Set<ChildProcess> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(ChildProcess::kill), "signet-it-reaper"));
    }

    private final String name;
    private final List<String> command;
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private ChildProcess(String name, List<String> command, Process process, Path stdout, Path stderr) {
        this.name = name;
        this.command = command;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * Starts {@code command} with the test JVM's environment minus any SPIFFE/Signet variables, plus {@code env};
     * output goes to {@code logDir/<name>.out} and {@code .err} (appended: a restarted process keeps one log).
     */
    public static ChildProcess start(String name, Path logDir, List<String> command, Map<String, String> env) {
        ItDirs.mkdir0755(logDir);
        Path out = logDir.resolve(name + ".out");
        Path err = logDir.resolve(name + ".err");
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .directory(logDir.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("SPIFFE_") || k.startsWith("SIGNET_") || k.equals("JAVA_TOOL_OPTIONS"));
        pb.environment().put("HOME", ItDirs.base().toString());
        pb.environment().putAll(env);
        long outStart = size(out);
        long errStart = size(err);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
        ChildProcess c = new ChildProcess(name, List.copyOf(command), p, out, err);
        c.outOffset = outStart;
        c.errOffset = errStart;
        ALL.add(c);
        LIVE.add(c);
        p.onExit().thenRun(() -> LIVE.remove(c));
        return c;
    }

    private long outOffset;
    private long errOffset;

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** This run's stdout (what the process wrote since it was started). */
    public String stdout() {
        return read(stdout, outOffset);
    }

    /** This run's stderr. */
    public String stderr() {
        return read(stderr, errOffset);
    }

    /** Complete lines of stdout so far (a partial last line is left out until its newline arrives). */
    public List<String> stdoutLines() {
        String s = stdout();
        int end = s.lastIndexOf('\n');
        if (end < 0) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        for (String l : s.substring(0, end).split("\n", -1)) {
            lines.add(l);
        }
        return lines;
    }

    /** Waits for the process to exit and returns its exit code; fails (after killing it) on timeout. */
    public int waitForExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                String tails = tails();
                kill();
                throw new AssertionError(name + " did not exit within " + timeout + "\n" + tails);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Exit code if exited, else null. */
    public Integer exitCode() {
        return process.isAlive() ? null : process.exitValue();
    }

    /** SIGKILL to the process and its descendants; waits until it is gone. */
    public void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM (clean shutdown), then SIGKILL after {@code grace}; descendants are killed either way. */
    public int stop(Duration grace) {
        if (process.isAlive()) {
            List<ProcessHandle> descendants = process.descendants().toList();
            process.destroy();
            try {
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            descendants.forEach(ProcessHandle::destroyForcibly);
        }
        return process.isAlive() ? -1 : process.exitValue();
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
    }

    /** The last lines of stdout and stderr, for failure messages. */
    public String tails() {
        StringBuilder sb = new StringBuilder();
        sb.append("----- ").append(name).append(" (pid ").append(process.pid()).append(", ")
                .append(process.isAlive() ? "running" : "exit " + process.exitValue()).append(") -----\n");
        sb.append("  command: ").append(abbreviate(command)).append('\n');
        sb.append(tail("stdout", stdout(), 25)).append(tail("stderr", stderr(), 40));
        return sb.toString();
    }

    /** Tails of every child started at or after {@code fromIndex} (see {@link #count}), newest last, at most {@code max}. */
    public static String tailsOfRecent(int fromIndex, int max, java.util.function.Predicate<ChildProcess> exclude) {
        List<ChildProcess> list = new ArrayList<>(ALL.subList(Math.min(fromIndex, ALL.size()), ALL.size()));
        if (exclude != null) {
            list.removeIf(exclude);
        }
        if (list.size() > max) {
            list = list.subList(list.size() - max, list.size());
        }
        StringBuilder sb = new StringBuilder();
        for (ChildProcess c : list) {
            sb.append(c.tails());
        }
        return sb.toString();
    }

    /** The start order of {@code c} (see {@link #count}). */
    public static int indexOf(ChildProcess c) {
        return ALL.indexOf(c);
    }

    /** How many children were started so far; a marker for {@link #tailsOfRecent}. */
    public static int count() {
        return ALL.size();
    }

    /** Children still running. */
    public static List<ChildProcess> live() {
        return Collections.unmodifiableList(new ArrayList<>(LIVE));
    }

    private static String tail(String what, String text, int lines) {
        if (text.isEmpty()) {
            return "  [" + what + ": empty]\n";
        }
        String[] all = text.split("\n", -1);
        int from = Math.max(0, all.length - lines);
        StringBuilder sb = new StringBuilder("  [" + what + (from > 0 ? ", last " + lines + " lines" : "") + "]\n");
        for (int i = from; i < all.length; i++) {
            if (i == all.length - 1 && all[i].isEmpty()) {
                break;
            }
            sb.append("  | ").append(all[i]).append('\n');
        }
        return sb.toString();
    }

    private static String abbreviate(List<String> command) {
        StringBuilder sb = new StringBuilder();
        for (String c : command) {
            sb.append(c.length() > 120 ? c.substring(0, 60) + "…(" + c.length() + " chars)" : c).append(' ');
        }
        return sb.toString().trim();
    }

    private static long size(Path p) {
        try {
            return Files.exists(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static String read(Path p, long offset) {
        try {
            if (!Files.exists(p)) {
                return "";
            }
            byte[] all = Files.readAllBytes(p);
            int from = (int) Math.min(offset, all.length);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return name + "(pid " + process.pid() + ")";
    }
}
