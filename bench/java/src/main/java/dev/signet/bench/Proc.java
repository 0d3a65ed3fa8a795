package dev.signet.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** A child process whose stdout and stderr go to one log file, plus what /proc says about any process. */
final class Proc implements AutoCloseable {
    private static final long TICKS_PER_SECOND = clockTicks();

    final String name;
    final Path log;
    private final Process process;

    private Proc(String name, Path log, Process process) {
        this.name = name;
        this.log = log;
        this.process = process;
    }

    static Proc start(String name, Path dir, List<String> command, Map<String, String> env) {
        try {
            Files.createDirectories(dir);
            Path log = dir.resolve(name + ".log");
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().putAll(env);
            return new Proc(name, log, pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    String tail() {
        return tail(log, 3000);
    }

    /** The last {@code maxChars} characters of {@code log} ("" if it cannot be read). */
    static String tail(Path log, int maxChars) {
        String s;
        try {
            s = Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            s = "";
        }
        return s.length() > maxChars ? s.substring(s.length() - maxChars) : s;
    }

    /** Waits until {@code ready} holds; fails with the log's tail if the process exits or time runs out. */
    void await(Duration timeout, String what, BooleanSupplier ready) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (ready.getAsBoolean()) {
                return;
            }
            if (!alive()) {
                throw new IllegalStateException(name + " exited (" + process.exitValue() + ") while waiting for " + what + "\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + ": no " + what + " within " + timeout + "\n" + tail());
            }
            sleep(20);
        }
    }

    /** SIGTERM, then SIGKILL after 15 s. */
    @Override
    public void close() {
        stop(process);
    }

    /** Stops {@code process}: SIGTERM, then SIGKILL after 15 s. */
    static void stop(Process process) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** User + system CPU time of all threads of {@code pid}, in milliseconds (/proc/PID/stat fields 14 and 15). */
    static long cpuMillis(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after the command: field 3 (state) is f[0], so field n is f[n - 3]
            long ticks = Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
            return ticks * 1000 / TICKS_PER_SECOND;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Resident set size in KiB (/proc/PID/status VmRSS). */
    static long rssKb(long pid) {
        return statusKb(pid, "VmRSS:");
    }

    static long statusKb(long pid, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return Long.parseLong(out);
        } catch (Exception e) {
            return 100;
        }
    }

    /** CPU time and peak RSS of one process over a measured interval (RSS sampled every 10 ms). */
    static final class Usage implements AutoCloseable {
        private final long pid;
        private final long cpu0;
        private final long t0 = System.nanoTime();
        private final Thread sampler;
        private volatile boolean running = true;
        private volatile long maxRssKb;
        long cpuMs;
        long wallMs;

        Usage(long pid) {
            this.pid = pid;
            this.cpu0 = cpuMillis(pid);
            this.maxRssKb = rssKb(pid);
            this.sampler = new Thread(() -> {
                while (running) {
                    try {
                        maxRssKb = Math.max(maxRssKb, rssKb(pid));
                    } catch (RuntimeException e) {
                        return;
                    }
                    sleep(10);
                }
            }, "rss-sampler-" + pid);
            sampler.setDaemon(true);
            sampler.start();
        }

        long maxRssKb() {
            return maxRssKb;
        }

        @Override
        public void close() {
            running = false;
            try {
                sampler.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            cpuMs = cpuMillis(pid) - cpu0;
            wallMs = (System.nanoTime() - t0) / 1_000_000;
            maxRssKb = Math.max(maxRssKb, rssKb(pid));
        }
    }
}
