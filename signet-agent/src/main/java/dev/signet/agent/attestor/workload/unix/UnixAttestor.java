package dev.signet.agent.attestor.workload.unix;

import dev.signet.agent.attestor.workload.AttestationException;
import dev.signet.agent.attestor.workload.Caller;
import dev.signet.agent.attestor.workload.WorkloadAttestor;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.selector.Selector;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code unix} workload attestor: the caller's user and groups, and optionally its executable, read
 * from {@code /proc/<pid>}. Selectors as in SPIRE: {@code uid}, {@code user}, {@code gid}, {@code group},
 * {@code supplementary_gid}, {@code supplementary_group}, and with {@code discover_workload_path = true}
 * also {@code path} and {@code sha256}.
 *
 * <p><b>Which uid.</b> Like SPIRE (gopsutil {@code Uids()[1]}), the <em>effective</em> uid and gid from the
 * {@code Uid:}/{@code Gid:} lines of {@code /proc/<pid>/status} at attestation time, not the socket's
 * SO_PEERCRED values from connect time: a process that changed identity since it connected is attested as
 * what it is now. The caller's liveness check after attestation guarantees the PID still names it.
 *
 * <p><b>Names</b> come from the local {@code /etc/passwd} and {@code /etc/group} files only (no NSS: users
 * from LDAP or sssd get only numeric selectors). An id with no entry gets no name selector; that is not an
 * error. The parsed files are kept and re-read only when they change (see {@link IdNames}): a stat per file
 * and call instead of reading and decoding both files on every Workload API call. Errors start with
 * {@code unix: }.
 */
public final class UnixAttestor implements WorkloadAttestor {
    public static final String NAME = "unix";

    private final Config config;
    private final Path procRoot;
    private final IdNames users;
    private final IdNames groups;

    /**
     * Plugin configuration.
     *
     * @param discoverWorkloadPath emit {@code path} and {@code sha256} selectors (needs permission to read
     *     {@code /proc/<pid>/exe}, typically root); any failure to do so fails this attestor
     * @param workloadSizeLimit largest executable hashed, in bytes: larger fails attestation; 0 = no limit;
     *     negative = never hash (no {@code sha256} selector)
     */
    public record Config(boolean discoverWorkloadPath, long workloadSizeLimit) {
        /**
         * Default {@code workload_size_limit} when the key is absent: 256 MiB. SPIRE's default is 0 (no
         * limit); Signet bounds it because a workload chooses its executable and is hashed on every call.
         */
        public static final long DEFAULT_WORKLOAD_SIZE_LIMIT = 256L * 1024 * 1024;

        public static Config defaults() {
            return new Config(false, DEFAULT_WORKLOAD_SIZE_LIMIT);
        }

        /** Reads {@code discover_workload_path} and {@code workload_size_limit}; unknown keys are errors. */
        public static Config from(ConfigBlock block) {
            boolean discover = block.bool("discover_workload_path", false);
            String limit = block.string("workload_size_limit", null);
            long sizeLimit = DEFAULT_WORKLOAD_SIZE_LIMIT;
            if (limit != null) {
                try {
                    sizeLimit = new BigDecimal(limit.trim()).longValueExact();
                } catch (NumberFormatException | ArithmeticException e) {
                    throw block.invalid("workload_size_limit", "expected a whole number of bytes, got \"" + limit + "\"");
                }
            }
            block.rejectUnknownKeys();
            return new Config(discover, sizeLimit);
        }
    }

    /** Reads the real {@code /proc}, {@code /etc/passwd} and {@code /etc/group}. */
    public UnixAttestor(Config config) {
        this(config, Path.of("/proc"), Path.of("/etc/passwd"), Path.of("/etc/group"));
    }

    /** For tests and containers: {@code procRoot} replaces {@code /proc} (SPIRE's {@code HOST_PROC}). */
    public UnixAttestor(Config config, Path procRoot, Path passwdFile, Path groupFile) {
        this(config, procRoot, passwdFile, groupFile, IdNames.FILES);
    }

    /** For tests: {@code reader} reads the passwd and group files (when they changed). */
    UnixAttestor(Config config, Path procRoot, Path passwdFile, Path groupFile, IdNames.LineReader reader) {
        this.config = Objects.requireNonNull(config, "config");
        this.procRoot = Objects.requireNonNull(procRoot, "procRoot");
        this.users = new IdNames(Objects.requireNonNull(passwdFile, "passwdFile"), reader);
        this.groups = new IdNames(Objects.requireNonNull(groupFile, "groupFile"), reader);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Selector> attest(Caller caller) throws AttestationException {
        Path processDir = procRoot.resolve(Integer.toString(caller.pid()));
        ProcStatus status = readStatus(processDir, caller.pid());

        List<Selector> out = new ArrayList<>();
        out.add(selector("uid", Long.toString(status.uid())));
        Optional<String> user = lookup(users, status.uid());
        if (user.isPresent()) {
            out.add(checkedSelector("user", user.get()));
        }
        out.add(selector("gid", Long.toString(status.gid())));
        Optional<String> groupName = lookup(groups, status.gid());
        if (groupName.isPresent()) {
            out.add(checkedSelector("group", groupName.get()));
        }
        for (long sgid : status.supplementaryGids()) {
            out.add(selector("supplementary_gid", Long.toString(sgid)));
        }
        for (long sgid : status.supplementaryGids()) {
            Optional<String> name = lookup(groups, sgid);
            if (name.isPresent()) {
                out.add(checkedSelector("supplementary_group", name.get()));
            }
        }
        if (config.discoverWorkloadPath()) {
            Path exe = processDir.resolve("exe");
            String path;
            try {
                path = Files.readSymbolicLink(exe).toString();
            } catch (IOException e) {
                throw new AttestationException(NAME, "cannot read the executable path of process " + caller.pid() + ": " + describe(e), e);
            }
            out.add(checkedSelector("path", path));
            if (config.workloadSizeLimit() >= 0) {
                out.add(selector("sha256", sha256(exe, caller.pid())));
            }
        }
        return List.copyOf(out);
    }

    /** The parts of {@code /proc/<pid>/status} this attestor uses. */
    record ProcStatus(long uid, long gid, List<Long> supplementaryGids) {}

    private ProcStatus readStatus(Path processDir, int pid) throws AttestationException {
        String text;
        try {
            text = readSmallFile(processDir.resolve("status"));
        } catch (FileNotFoundException e) {
            // RandomAccessFile says "not found" for a missing file and a refused one alike: tell them apart
            if (!Files.exists(processDir)) {
                throw new AttestationException(NAME, "process " + pid + " not found");
            }
            throw new AttestationException(NAME, "cannot read status of process " + pid + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new AttestationException(NAME, "cannot read status of process " + pid + ": " + describe(e), e);
        }
        try {
            return parseStatus(text);
        } catch (IllegalArgumentException e) {
            throw new AttestationException(NAME, "malformed status of process " + pid + ": " + e.getMessage(), e);
        }
    }

    /** A per-thread read buffer: {@code /proc/<pid>/status} is 1–2 KiB. */
    private static final ThreadLocal<byte[]> READ_BUFFER = ThreadLocal.withInitial(() -> new byte[4096]);

    /**
     * Reads a small file (a procfs file, whose size the kernel reports as 0) as ISO-8859-1 with one open, a
     * read or two into a reused buffer, and a close: {@code Files.readString} costs a channel, a size lookup
     * and a growing buffer on every Workload API call.
     */
    static String readSmallFile(Path file) throws IOException {
        byte[] buf = READ_BUFFER.get();
        int n = 0;
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            while (true) {
                if (n == buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                    READ_BUFFER.set(buf);
                }
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        }
        return new String(buf, 0, n, StandardCharsets.ISO_8859_1);
    }

    /**
     * Parses {@code Uid:}, {@code Gid:} (effective = second value) and {@code Groups:} of a status file. Scans
     * the text by hand (no regular expressions, no per-line strings): it runs on every Workload API call.
     */
    static ProcStatus parseStatus(String text) {
        Long uid = null;
        Long gid = null;
        List<Long> groups = new ArrayList<>();
        int length = text.length();
        int start = 0;
        while (start < length) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = length;
            }
            if (text.startsWith("Uid:", start)) {
                uid = effective(text, start, end);
            } else if (text.startsWith("Gid:", start)) {
                gid = effective(text, start, end);
            } else if (text.startsWith("Groups:", start)) {
                for (String g : fields(text, start, end)) {
                    groups.add(number(g, text.substring(start, end)));
                }
            }
            start = end + 1;
        }
        if (uid == null || gid == null) {
            throw new IllegalArgumentException("no " + (uid == null ? "Uid" : "Gid") + " line");
        }
        return new ProcStatus(uid, gid, List.copyOf(groups));
    }

    /** Real, effective, saved, filesystem: SPIRE takes the effective one, or the only one present. */
    private static long effective(String text, int start, int end) {
        List<String> ids = fields(text, start, end);
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("empty " + text.substring(start, text.indexOf(':', start)) + " line");
        }
        return number(ids.size() > 1 ? ids.get(1) : ids.get(0), text.substring(start, end));
    }

    /** The whitespace-separated values after the line's first {@code ':'}. */
    private static List<String> fields(String text, int start, int end) {
        List<String> out = new ArrayList<>(4);
        int i = text.indexOf(':', start) + 1;
        while (i < end) {
            while (i < end && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            int from = i;
            while (i < end && !Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i > from) {
                out.add(text.substring(from, i));
            }
        }
        return out;
    }

    private static long number(String s, String line) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + s + "\" is not a number in \"" + line.trim() + "\"");
        }
    }

    /** The name for {@code id} in a passwd or group file (parsed copy reused while the file is unchanged). */
    private static Optional<String> lookup(IdNames names, long id) throws AttestationException {
        try {
            return names.lookup(id);
        } catch (IOException e) {
            throw new AttestationException(NAME, "cannot read " + names.file() + ": " + describe(e), e);
        }
    }

    private String sha256(Path exe, int pid) throws AttestationException {
        long limit = config.workloadSizeLimit();
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        // Opened through /proc/<pid>/exe, not by path: that is the file the process runs, even in another
        // mount namespace or after the path was replaced.
        try (InputStream in = Files.newInputStream(exe)) {
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (limit > 0 && total > limit) {
                    throw new AttestationException(NAME, "executable of process " + pid + " is larger than workload_size_limit ("
                            + limit + " bytes); not hashed");
                }
                digest.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new AttestationException(NAME, "cannot hash the executable of process " + pid + ": " + describe(e), e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static Selector selector(String key, String value) {
        return new Selector(NAME, key + ":" + value);
    }

    /** For values the workload or the system chose (paths, names): a bad one fails attestation cleanly. */
    private static Selector checkedSelector(String key, String value) throws AttestationException {
        try {
            return selector(key, value);
        } catch (IllegalArgumentException e) {
            throw new AttestationException(NAME, key + " cannot be a selector: " + e.getMessage(), e);
        }
    }

    private static String describe(IOException e) {
        return e instanceof NoSuchFileException ? "no such file " + e.getMessage() : String.valueOf(e.getMessage());
    }
}
