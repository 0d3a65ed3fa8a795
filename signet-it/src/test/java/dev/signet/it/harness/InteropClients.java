package dev.signet.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Builds the reference-library clients of {@code interop/} so workloads under other uids can run them: the
 * go-spiffe client ({@code go build}) and the py-spiffe client (a virtualenv from Debian's
 * {@code /usr/bin/python3} with {@code spiffe} from PyPI). Results are cached under {@code /tmp} by a hash of
 * their sources, in world-readable directories, so only the first run pays for the build.
 */
public final class InteropClients {
    private static final Path CACHE = Path.of("/tmp/signet-interop-cache");
    private static Path goBinary;
    private static Path python;

    private InteropClients() {}

    private static Path interopDir() {
        return Path.of(System.getProperty("signet.interop.dir", "../interop")).toAbsolutePath().normalize();
    }

    /** The go-spiffe client binary, built on first use. */
    public static synchronized Path goClient() {
        if (goBinary == null) {
            Path src = interopDir().resolve("go");
            String hash = hash(src.resolve("main.go"), src.resolve("go.mod"), src.resolve("go.sum"));
            Path out = ItDirs.mkdir0755(CACHE.resolve("go-" + hash)).resolve("goclient");
            if (!Files.isExecutable(out)) {
                Path tmp = out.resolveSibling("goclient.tmp");
                run(src, Map.of("CGO_ENABLED", "0"), "go", "build", "-o", tmp.toString(), ".");
                move(tmp, out);
            }
            goBinary = out;
        }
        return goBinary;
    }

    /** The virtualenv python with py-spiffe installed, created on first use. */
    public static synchronized Path pythonWithSpiffe() {
        if (python == null) {
            Path src = interopDir().resolve("python");
            String hash = hash(src.resolve("requirements.txt"));
            Path venv = CACHE.resolve("pyvenv-" + hash);
            Path py = venv.resolve("bin/python");
            if (!Files.exists(venv.resolve(".complete"))) {
                ItDirs.deleteTree(venv);
                ItDirs.mkdir0755(CACHE);
                run(src, Map.of(), "/usr/bin/python3", "-m", "venv", venv.toString());
                run(src, Map.of(), py.toString(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "-r", src.resolve("requirements.txt").toString());
                run(src, Map.of(), "chmod", "-R", "a+rX", venv.toString());
                ItDirs.write(venv.resolve(".complete"), "ok\n");
            }
            python = py;
        }
        return python;
    }

    /** The py-spiffe client script. */
    public static Path pythonScript() {
        return interopDir().resolve("python/client.py");
    }

    /** Copies the python client where other uids can read it. */
    public static synchronized Path pythonScriptReadable() {
        Path dst = ItDirs.mkdir0755(CACHE.resolve("py-src")).resolve("client.py");
        try {
            Files.copy(pythonScript(), dst, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(dst, ItDirs.FILE_0644);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dst;
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String hash(Path... files) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (Path f : files) {
                d.update(Files.readAllBytes(f));
            }
            return HexFormat.of().formatHex(d.digest()).substring(0, 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void run(Path dir, Map<String, String> env, String... cmd) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
            pb.environment().putAll(env);
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new AssertionError("interop build step failed: " + String.join(" ", cmd) + "\n"
                        + new String(out, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd[0] + " (is it installed? .ci/run installs it): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Runs a reference client as {@code uid} with {@code SPIFFE_ENDPOINT_SOCKET} pointing at {@code socket}. */
    public static CliResult runAs(Uids.Uid uid, Path socket, String name, List<String> command) {
        return runAs(uid, socket, name, command, Workload.RUN_TIMEOUT);
    }

    /** As {@link #runAs(Uids.Uid, Path, String, List)}, for a client that may run longer than {@link Workload#RUN_TIMEOUT}. */
    public static CliResult runAs(Uids.Uid uid, Path socket, String name, List<String> command, java.time.Duration timeout) {
        List<String> cmd = new ArrayList<>(Workload.asUid(uid));
        cmd.addAll(command);
        ChildProcess p = ChildProcess.start(name + "-" + uid.uid() + "-" + System.nanoTime(),
                ItDirs.mkdir0755(ItDirs.base().resolve("workloads")), cmd,
                Map.of("SPIFFE_ENDPOINT_SOCKET", "unix://" + socket, "HOME", "/tmp"));
        return Workload.runToEnd(p, name + " as " + uid, timeout);
    }
}
