package dev.signet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The Go measuring client of {@code bench/go} (go-spiffe v2): the same code measures Signet's and SPIRE's
 * Workload API. Built on first use and cached by a hash of its sources.
 */
final class GoClient {
    static final ObjectMapper JSON = new ObjectMapper();
    final Path binary;

    private GoClient(Path binary) {
        this.binary = binary;
    }

    static GoClient build(Path repo, Path cacheDir) {
        Path src = repo.resolve("bench/go");
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (String f : List.of("main.go", "spire_sim.go", "go.mod", "go.sum")) {
                d.update(Files.readAllBytes(src.resolve(f)));
            }
            Path out = cacheDir.resolve("go-" + HexFormat.of().formatHex(d.digest()).substring(0, 16)).resolve("benchclient");
            if (!Files.isExecutable(out)) {
                Files.createDirectories(out.getParent());
                Path tmp = out.resolveSibling("benchclient.tmp");
                ProcessBuilder pb = new ProcessBuilder("go", "build", "-o", tmp.toString(), ".").directory(src.toFile())
                        .redirectErrorStream(true);
                pb.environment().put("CGO_ENABLED", "0");
                Process p = pb.start();
                String log = new String(p.getInputStream().readAllBytes());
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("go build of bench/go failed:\n" + log);
                }
                Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            return new GoClient(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs one measuring command; returns its last JSON line. */
    JsonNode run(String... args) {
        List<String> cmd = new ArrayList<>(List.of(binary.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
            String out = new String(p.getInputStream().readAllBytes());
            String err = new String(p.getErrorStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("benchclient " + String.join(" ", args) + " failed: " + err.trim());
            }
            String[] lines = out.trim().split("\n");
            return JSON.readTree(lines[lines.length - 1]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A running {@code benchclient watch}: each X.509 update as (arrival wall-clock nanos, SPIFFE IDs). */
    final class Watch implements AutoCloseable {
        record Update(long tNs, List<String> ids) {}

        final Process process;
        final LinkedBlockingQueue<Update> updates = new LinkedBlockingQueue<>();

        Watch(Path socket) {
            try {
                process = new ProcessBuilder(binary.toString(), "watch", "-socket", socket.toString())
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        JsonNode n = JSON.readTree(line);
                        List<String> ids = new ArrayList<>();
                        n.get("ids").forEach(x -> ids.add(x.asText()));
                        updates.add(new Update(n.get("t_ns").asLong(), ids));
                    }
                } catch (IOException e) {
                    // process ended
                }
            }, "watch-reader");
            t.setDaemon(true);
            t.start();
        }

        /** The first update within {@code timeoutMs} whose ID list satisfies {@code test}, or null. */
        Update await(long timeoutMs, java.util.function.Predicate<List<String>> test) throws InterruptedException {
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (true) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return null;
                }
                Update u = updates.poll(left, TimeUnit.MILLISECONDS);
                if (u != null && test.test(u.ids())) {
                    return u;
                }
            }
        }

        @Override
        public void close() {
            process.destroy();
        }
    }

    Watch watch(Path socket) {
        return new Watch(socket);
    }
}
