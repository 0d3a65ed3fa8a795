package dev.signet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A running {@code benchclient spire-simagents}: simulated SPIRE agents speaking spire-agent 1.13.3's protocol to
 * spire-server (bench/go/spire_sim.go). They keep syncing until {@link #stop()}; {@link #add} connects more.
 */
final class SpireSimAgents implements AutoCloseable {
    private final Process process;
    private final Writer stdin;
    private final Path log;
    private final LinkedBlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();

    private SpireSimAgents(Process process, Path log) {
        this.process = process;
        this.log = log;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(GoClient.JSON.readTree(line));
                }
            } catch (IOException e) {
                // process ended
            }
        }, "spire-simagents-reader");
        t.setDaemon(true);
        t.start();
    }

    /** Starts the simulator against {@code spire}'s server; stderr goes to {@code log}. */
    static SpireSimAgents start(GoClient go, SpireSide spire, Path log, String... args) {
        List<String> cmd = new ArrayList<>(List.of(go.binary.toString(), "spire-simagents",
                "-server-addr", "127.0.0.1:" + spire.port, "-server-socket", spire.serverSocket.toString(),
                "-trust-domain", SignetSide.TD));
        cmd.addAll(List.of(args));
        try {
            Files.createDirectories(log.getParent());
            return new SpireSimAgents(new ProcessBuilder(cmd).redirectError(log.toFile()).start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next output line named {@code name} (others are skipped), failing on timeout or exit. */
    JsonNode next(String name, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode n = lines.poll(100, TimeUnit.MILLISECONDS);
            if (n != null) {
                if (name.equals(n.path("name").asText())) {
                    return n;
                }
                if ("error".equals(n.path("name").asText())) {
                    throw new IllegalStateException("spire-simagents: " + n.path("error").asText());
                }
                continue;
            }
            if (!process.isAlive() && lines.isEmpty()) {
                throw new IllegalStateException("spire-simagents exited (" + process.exitValue() + ") before \"" + name + "\": " + tail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("spire-simagents: no \"" + name + "\" within " + timeout + ": " + tail());
            }
        }
    }

    /** Connects {@code k} more agents; returns the "ready" line once they are attested and synced. */
    JsonNode add(int k, Duration timeout) throws Exception {
        stdin.write("add " + k + "\n");
        stdin.flush();
        return next("spire_simagents_ready", timeout);
    }

    /** Closes stdin (the agents stop) and returns the final line with the sync counts. */
    JsonNode stop() throws Exception {
        stdin.close();
        try {
            return next("spire_simagents_stopped", Duration.ofSeconds(60));
        } finally {
            close();
        }
    }

    /** Throws unless every agent of a "ready" line attested and synced. */
    static JsonNode requireAll(JsonNode ready) {
        if (ready.path("failures").asInt() > 0 || ready.path("synced").asInt() < ready.path("requested").asInt()) {
            throw new IllegalStateException("SPIRE simulated agents: " + ready.path("synced").asInt() + " of "
                    + ready.path("requested").asInt() + " synced, " + ready.path("failures").asInt() + " failures, first: "
                    + ready.path("first_error").asText());
        }
        return ready;
    }

    private String tail() {
        return Proc.tail(log, 2000);
    }

    @Override
    public void close() {
        Proc.stop(process);
    }
}
