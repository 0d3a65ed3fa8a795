package dev.signet.agent.attestor.workload.unix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The id → name map of one passwd or group file, parsed once and kept until the file changes.
 *
 * <p>Every {@link #lookup} stats the file (one {@code stat}, no read) and re-reads and re-parses it only
 * when its identity (device and inode), modification time or size differ from those of the copy held. That
 * catches both ways these files are edited: {@code useradd}, {@code vipw} and friends write a new file and
 * rename it over the old one (new inode), and an in-place rewrite changes the modification time (kept with
 * nanosecond resolution on ext4, xfs, btrfs, tmpfs and overlayfs). Not noticed: an in-place rewrite that
 * keeps the size and then restores the old modification time, or one within the timestamp granularity of a
 * filesystem with coarse timestamps; no clock-based re-read is added for that, since the stat on every call
 * already bounds staleness to "until the next visible change". A missing file means no names (and is
 * cached the same way); a read error fails the lookup and is not cached. Thread-safe: concurrent callers
 * may both re-read after a change, and the last parse wins.
 */
final class IdNames {
    /** Reads a file's lines (injectable so tests can count reads). */
    @FunctionalInterface
    interface LineReader {
        List<String> readLines(Path file) throws IOException;
    }

    static final LineReader FILES = file -> Files.readAllLines(file, StandardCharsets.UTF_8);

    /** What the held copy was read from; {@code null} fields for a file that did not exist. */
    private record Stamp(Object fileKey, FileTime modified, long size) {
        static final Stamp MISSING = new Stamp(null, null, -1);
    }

    private record Snapshot(Stamp stamp, Map<String, String> names) {}

    private final Path file;
    private final LineReader reader;
    private volatile Snapshot snapshot;

    IdNames(Path file, LineReader reader) {
        this.file = Objects.requireNonNull(file, "file");
        this.reader = Objects.requireNonNull(reader, "reader");
    }

    Path file() {
        return file;
    }

    /**
     * The name of the first non-comment line with this id in the third field ({@code name:x:id:...}).
     *
     * @throws IOException if the file exists but cannot be read
     */
    Optional<String> lookup(long id) throws IOException {
        return Optional.ofNullable(current().get(Long.toString(id)));
    }

    private Map<String, String> current() throws IOException {
        Stamp stamp = stamp();
        Snapshot s = snapshot;
        if (s != null && s.stamp().equals(stamp)) {
            return s.names();
        }
        // Stat before read: a change after the stat is seen (and re-read) on the next call.
        Map<String, String> names;
        if (stamp == Stamp.MISSING) {
            names = Map.of();
        } else {
            try {
                names = parse(reader.readLines(file));
            } catch (NoSuchFileException e) {
                names = Map.of();
                stamp = Stamp.MISSING;
            }
        }
        snapshot = new Snapshot(stamp, names);
        return names;
    }

    private Stamp stamp() throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(a.fileKey(), a.lastModifiedTime(), a.size());
        } catch (NoSuchFileException e) {
            return Stamp.MISSING;
        }
    }

    /** Third field → first name with it; empty lines, comments and lines with an empty name are skipped. */
    static Map<String, String> parse(List<String> lines) {
        Map<String, String> names = new HashMap<>();
        for (String line : lines) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(":", -1);
            if (f.length >= 3 && !f[0].isEmpty()) {
                names.putIfAbsent(f[2], f[0]);
            }
        }
        return Map.copyOf(names);
    }
}
