package dev.signet.it.harness;

import static org.junit.jupiter.api.Assertions.fail;

import dev.signet.testing.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * Real cgroup v1 directories in the {@code pids} hierarchy, shaped like a kubelet's or Docker's
 * ({@code /kubepods/besteffort/pod<uid>/<cid>}, {@code /docker/<cid>}), and commands that enter one before they
 * exec the workload ({@code sh -c 'echo $$ > .../cgroup.procs && exec "$@"'}), so the workload is in the container's
 * cgroup before it connects. {@link #close} moves any straggler back to the root cgroup and removes every directory
 * it made. Needs root and a writable cgroup v1 pids hierarchy: without root the test is skipped when {@code CI} is
 * unset and fails otherwise.
 */
public final class Cgroups implements AutoCloseable {
    public static final Path PIDS = Path.of("/sys/fs/cgroup/pids");

    private final List<Path> created = new ArrayList<>();

    private Cgroups() {}

    public static Cgroups open() {
        if (!Uids.isRoot()) {
            if (System.getenv("CI") == null) {
                Assumptions.abort("moving workloads into container cgroups needs root; this JVM is not root and CI is unset");
            }
            fail("moving workloads into container cgroups needs root, and CI is set: run the suite as root");
        }
        if (!Files.isWritable(PIDS.resolve("cgroup.procs"))) {
            fail("cgroup v1 pids hierarchy is not mounted writable at " + PIDS + ": the container tests need it");
        }
        String self;
        try {
            self = Files.readString(Path.of("/proc/self/cgroup"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (self.matches("(?s).*\\b[0-9a-f]{64}\\b.*")) {
            fail("the test JVM itself runs in a container cgroup (/proc/self/cgroup names a container ID), so every workload would too:\n" + self);
        }
        return new Cgroups();
    }

    /** Creates {@code PIDS/<relative>} and its missing parents (removed again by {@link #close}). */
    public Path mkdirs(String relative) {
        Path dir = PIDS.resolve(relative.startsWith("/") ? relative.substring(1) : relative);
        List<Path> missing = new ArrayList<>();
        for (Path p = dir; !p.equals(PIDS) && !Files.isDirectory(p); p = p.getParent()) {
            missing.add(0, p);
        }
        try {
            for (Path p : missing) {
                Files.createDirectory(p);
                created.add(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create cgroup " + dir, e);
        }
        return dir;
    }

    /** The prefix that runs the rest of a command inside {@code cgroupDir}. */
    public static List<String> enter(Path cgroupDir) {
        return List.of("sh", "-c", "echo $$ > '" + cgroupDir.resolve("cgroup.procs") + "' && exec \"$@\"", "sh");
    }

    /** Waits until {@code pid}'s cgroup file names {@code cgroupDir} in the pids hierarchy. */
    public static void awaitIn(long pid, Path cgroupDir) {
        String want = "pids:/" + PIDS.relativize(cgroupDir);
        Poll.until(Duration.ofSeconds(10), "pid " + pid + " to join " + cgroupDir, () -> {
            try {
                return Files.readString(Path.of("/proc/" + pid + "/cgroup")).lines().anyMatch(l -> l.substring(l.indexOf(':') + 1).equals(want));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Override
    public void close() throws IOException {
        for (int i = created.size() - 1; i >= 0; i--) {
            Path dir = created.get(i);
            for (String pid : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                Files.writeString(PIDS.resolve("cgroup.procs"), pid);
            }
            Files.delete(dir);
        }
        created.clear();
    }
}
