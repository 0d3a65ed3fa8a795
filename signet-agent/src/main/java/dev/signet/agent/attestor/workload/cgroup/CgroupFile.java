package dev.signet.agent.attestor.workload.cgroup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Reads and parses {@code <procRoot>/<pid>/cgroup}. */
public final class CgroupFile {
    /** Larger files are refused: the kernel writes a few hundred bytes per hierarchy. */
    static final int MAX_BYTES = 256 * 1024;

    private final Path procRoot;

    /** {@code procRoot} is {@code /proc} in production, a fixture directory in tests. */
    public CgroupFile(Path procRoot) {
        this.procRoot = Objects.requireNonNull(procRoot, "procRoot");
    }

    public Path procRoot() {
        return procRoot;
    }

    /** The parsed lines of the process's cgroup file. */
    public List<CgroupLine> read(int pid) throws CgroupException {
        Path file = procRoot.resolve(Integer.toString(pid)).resolve("cgroup");
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new CgroupException("process " + pid + " not found (no " + file + ")");
        } catch (IOException e) {
            throw new CgroupException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (bytes.length > MAX_BYTES) {
            throw new CgroupException(file + " is larger than " + MAX_BYTES + " bytes");
        }
        try {
            return parse(new String(bytes, StandardCharsets.UTF_8));
        } catch (CgroupException e) {
            throw new CgroupException("malformed " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses the text of a cgroup file: one {@code hierarchy-ID:controller-list:cgroup-path} per line, split at
     * the first two colons; blank lines are skipped.
     *
     * @throws CgroupException naming the first malformed line
     */
    public static List<CgroupLine> parse(String text) throws CgroupException {
        List<CgroupLine> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank()) {
                continue;
            }
            int first = line.indexOf(':');
            int second = first < 0 ? -1 : line.indexOf(':', first + 1);
            if (second < 0) {
                throw new CgroupException("line " + (i + 1) + " " + quote(line) + ": expected hierarchy-ID:controllers:path");
            }
            String id = line.substring(0, first);
            int hierarchy;
            try {
                hierarchy = Integer.parseInt(id);
            } catch (NumberFormatException e) {
                hierarchy = -1;
            }
            if (hierarchy < 0 || id.startsWith("+")) {
                throw new CgroupException("line " + (i + 1) + " " + quote(line) + ": hierarchy ID " + quote(id) + " is not a number");
            }
            out.add(new CgroupLine(hierarchy, line.substring(first + 1, second), line.substring(second + 1)));
        }
        return List.copyOf(out);
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        int n = Math.min(s.length(), 200);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return b.append(s.length() > n ? "...\"" : "\"").toString();
    }
}
