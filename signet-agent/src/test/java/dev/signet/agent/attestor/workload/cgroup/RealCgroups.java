package dev.signet.agent.attestor.workload.cgroup;

import static org.junit.jupiter.api.Assertions.fail;

import dev.signet.testing.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Real cgroup v1 directories in the {@code pids} hierarchy (writable as root on the test machines) and real
 * processes started inside them. Every directory made is removed again by {@link #close} (its processes killed
 * first). Without root: skipped when the environment variable {@code CI} is unset, a failure otherwise.
 */
public final class RealCgroups implements AutoCloseable {
    public static final Path PIDS = Path.of("/sys/fs/cgroup/pids");

    private final List<Path> created = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    private RealCgroups() {}

    /** Checks root and a writable cgroup v1 pids hierarchy (see the class comment), then returns a fresh instance. */
    public static RealCgroups open() {
        boolean root = isRoot();
        if (!root && System.getenv("CI") == null) {
            Assumptions.abort("moving processes into cgroups needs root; this JVM is not root and CI is unset");
        }
        if (!root) {
            fail("moving processes into cgroups needs root, and CI is set: run the suite as root");
        }
        if (!Files.isWritable(PIDS.resolve("cgroup.procs"))) {
            fail("cgroup v1 pids hierarchy is not mounted writable at " + PIDS + " (needed to move test processes into containers' cgroups)");
        }
        return new RealCgroups();
    }

    /** Creates {@code PIDS/<relative>} and every missing parent (remembered for removal); returns it. */
    public Path mkdirs(String relative) throws IOException {
        Path dir = PIDS.resolve(relative.startsWith("/") ? relative.substring(1) : relative);
        List<Path> missing = new ArrayList<>();
        for (Path p = dir; !p.equals(PIDS) && !Files.isDirectory(p); p = p.getParent()) {
            missing.add(0, p);
        }
        for (Path p : missing) {
            Files.createDirectory(p);
            created.add(p);
        }
        return dir;
    }

    /** Starts {@code command} already inside {@code cgroupDir}: the shell moves itself there, then execs it. */
    public Process start(Path cgroupDir, String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "echo $$ > '" + cgroupDir.resolve("cgroup.procs") + "' && exec \"$@\"", "sh"));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
        return p;
    }

    /** Waits until the process's cgroup file names {@code cgroupDir} (the shell wrote its pid). */
    public static void awaitIn(Process p, Path cgroupDir) {
        String want = "pids:/" + PIDS.relativize(cgroupDir);
        Poll.until(Duration.ofSeconds(10), "process " + p.pid() + " to join " + cgroupDir, () -> {
            if (!p.isAlive()) {
                fail("process " + p.pid() + " exited with " + p.exitValue() + " before joining " + cgroupDir);
            }
            try {
                return Files.readString(Path.of("/proc/" + p.pid() + "/cgroup")).lines()
                        .anyMatch(l -> l.substring(l.indexOf(':') + 1).equals(want));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Override
    public void close() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        for (int i = created.size() - 1; i >= 0; i--) {
            Path dir = created.get(i);
            // any straggler goes back to the root cgroup so the directory can be removed
            for (String pid : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                Files.writeString(PIDS.resolve("cgroup.procs"), pid);
            }
            Files.delete(dir);
        }
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.substring(4).trim().split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
