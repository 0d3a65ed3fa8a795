package dev.signet.it.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;

/**
 * Uids for workloads. Workloads are real child processes started with {@code setpriv --reuid --regid
 * --clear-groups}, which needs root; {@link #assumeRoot} skips a test otherwise. Numeric selectors work for
 * uids with and without an {@code /etc/passwd} entry, so the suite uses both kinds.
 */
public final class Uids {
    /** A uid and its primary gid. {@code named} is true if /etc/passwd has an entry for it. */
    public record Uid(int uid, int gid, boolean named) {
        public String selector() {
            return "unix:uid:" + uid;
        }

        @Override
        public String toString() {
            return "uid " + uid + (named ? "" : " (no passwd entry)");
        }
    }

    private static final AtomicInteger NEXT_UNLISTED = new AtomicInteger(4200);

    private Uids() {}

    public static boolean isRoot() {
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

    /** Skips the calling test unless the suite runs as root with setpriv available. */
    public static void assumeRoot() {
        Assumptions.assumeTrue(isRoot(),
                "workloads under other uids are started with setpriv, which needs root; this JVM is not root");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")) || Files.isExecutable(Path.of("/bin/setpriv")),
                "setpriv (util-linux) is not installed");
    }

    /** A uid that has an /etc/passwd entry (the first regular user, uid 1000..59999), if any. */
    public static Optional<Uid> named() {
        for (String[] f : passwd()) {
            int uid = Integer.parseInt(f[2]);
            if (uid >= 1000 && uid < 60000) {
                return Optional.of(new Uid(uid, Integer.parseInt(f[3]), true));
            }
        }
        return Optional.empty();
    }

    /** A uid used by no other test in this run and absent from /etc/passwd (its gid is the same number). */
    public static Uid unlisted() {
        Set<Integer> taken = new HashSet<>();
        for (String[] f : passwd()) {
            taken.add(Integer.parseInt(f[2]));
        }
        while (true) {
            int u = NEXT_UNLISTED.getAndIncrement();
            if (!taken.contains(u)) {
                return new Uid(u, u, false);
            }
        }
    }

    private static List<String[]> passwd() {
        List<String[]> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] f = line.split(":");
                if (f.length >= 4 && f[2].matches("\\d+") && f[3].matches("\\d+")) {
                    out.add(f);
                }
            }
        } catch (IOException e) {
            // no passwd file: every uid is unlisted
        }
        return out;
    }
}
