package dev.signet.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Directories for one test run, under one world-traversable base directory ({@code /tmp/signet-it-*}, mode
 * 0755) so that workloads running under other uids can reach the agent's socket and the copied classpath.
 * Paths stay short: a Unix socket path is limited to 107 bytes. The base is deleted when the JVM exits,
 * unless {@code -Dsignet.it.keepDirs=true}.
 */
public final class ItDirs {
    public static final Set<PosixFilePermission> DIR_0755 = PosixFilePermissions.fromString("rwxr-xr-x");
    public static final Set<PosixFilePermission> FILE_0644 = PosixFilePermissions.fromString("rw-r--r--");

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static Path base;

    private ItDirs() {}

    /** The run's base directory, created (0755) on first use. */
    public static synchronized Path base() {
        if (base == null) {
            try {
                base = Files.createTempDirectory(Path.of("/tmp"), "signet-it-");
                Files.setPosixFilePermissions(base, DIR_0755);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (!Boolean.getBoolean("signet.it.keepDirs")) {
                Path b = base;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(b), "signet-it-cleanup"));
            }
        }
        return base;
    }

    /** A new directory (0755) named {@code <prefix><n>} under the base. */
    public static Path newDir(String prefix) {
        return mkdir0755(base().resolve(prefix + COUNTER.incrementAndGet()));
    }

    /** Creates {@code dir} (and parents) and sets it to 0755. */
    public static Path mkdir0755(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, DIR_0755);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates {@code dir} owned by {@code uid}:{@code gid} with mode 0700, for a workload to write into. */
    public static Path ownedDir(Path dir, Uids.Uid owner) {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            Files.setAttribute(dir, "unix:uid", owner.uid());
            Files.setAttribute(dir, "unix:gid", owner.gid());
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(Path file, String content) {
        try {
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }
}
