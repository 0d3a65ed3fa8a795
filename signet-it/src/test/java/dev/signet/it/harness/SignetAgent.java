package dev.signet.it.harness;

import dev.signet.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A {@code signet agent run} child process with its own data directory and its Workload API socket in a 0755
 * directory (the socket itself is made 0777 by the agent), so workloads under any uid can reach it.
 */
public final class SignetAgent implements AutoCloseable {
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final String STARTED = "started: Workload API on ";

    private final String name;
    private final SignetServer server;
    private final Path dir;
    private final Path dataDir;
    private final Path socket;
    private Path bundle;
    private final boolean discoverWorkloadPath;
    private ChildProcess process;
    private int launches;
    private String extraHcl = "";
    /** Several servers ({@code server_address} list), or null: just {@code server}. */
    private List<SignetServer> servers;

    private SignetAgent(String name, SignetServer server, Path dir, boolean discoverWorkloadPath) {
        this.name = name;
        this.server = server;
        this.dir = dir;
        this.dataDir = dir.resolve("data");
        this.socket = ItDirs.mkdir0755(dir.resolve("s")).resolve("agent.sock");
        this.bundle = server.writeBundle();
        this.discoverWorkloadPath = discoverWorkloadPath;
    }

    /** A new agent (fresh data directory) attesting with {@code joinToken}; waits until its Workload API is up. */
    public static SignetAgent start(String name, SignetServer server, String joinToken) {
        return start(name, server, joinToken, false);
    }

    public static SignetAgent start(String name, SignetServer server, String joinToken, boolean discoverWorkloadPath) {
        SignetAgent a = new SignetAgent(name, server, ItDirs.newDir(name), discoverWorkloadPath);
        a.launch(joinToken);
        a.awaitReady();
        return a;
    }

    /** Like {@link #start}, with {@code extraHcl} appended to the agent's config file (e.g. {@code workload_attestor} blocks). */
    public static SignetAgent startWithConfig(String name, SignetServer server, String joinToken, String extraHcl) {
        SignetAgent a = new SignetAgent(name, server, ItDirs.newDir(name), false);
        a.extraHcl = extraHcl;
        a.launch(joinToken);
        a.awaitReady();
        return a;
    }

    /**
     * Starts a new agent process that is expected to fail: returns it without waiting for readiness (the caller
     * waits for the exit).
     */
    public static SignetAgent launchOnly(String name, SignetServer server, String joinToken) {
        SignetAgent a = new SignetAgent(name, server, ItDirs.newDir(name), false);
        a.launch(joinToken);
        return a;
    }

    /** Starts the agent process again on the same data directory, with {@code joinToken} (null: none) and waits until ready. */
    public void restart(String joinToken) {
        relaunch(joinToken);
        awaitReady();
    }

    /** Starts the agent process again on the same data directory without waiting for readiness. */
    public void relaunch(String joinToken) {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is still running");
        }
        launch(joinToken);
    }

    private void launch(String joinToken) {
        Path config = dir.resolve("agent-" + (++launches) + ".hcl");
        ItDirs.write(config, """
                agent {
                  trust_domain      = "%s"
                  server_address    = %s
                  server_port       = %d
                  data_dir          = "%s"
                  %s
                  trust_bundle_path = "%s"
                  socket_path       = "%s"
                  http_port         = 0
                  log_level         = "debug"
                }
                %s
                """.formatted(SignetServer.TRUST_DOMAIN, serverAddressHcl(), server.port(), dataDir,
                joinToken == null ? "# no join_token: reuse the stored agent SVID" : "join_token        = \"" + joinToken + "\"",
                bundle, socket,
                discoverWorkloadPath ? "workload_attestor \"unix\" {\n  discover_workload_path = true\n}" : "") + extraHcl);
        process = ChildProcess.start(name, dir, Jvm.signet(Jvm.DAEMON, List.of("agent", "run", "--config", config.toString())), Map.of());
    }

    /**
     * A new agent configured with several servers ({@code server_address = ["127.0.0.1:P1", ...]}, in this order),
     * trusting the CA certificates in {@code trustBundlePem} on first start; waits until its Workload API is up.
     */
    public static SignetAgent startMulti(String name, List<SignetServer> servers, String trustBundlePem, String joinToken) {
        SignetAgent a = new SignetAgent(name, servers.get(0), ItDirs.newDir(name), false);
        a.servers = List.copyOf(servers);
        a.bundle = a.dir.resolve("trust-bundle.pem");
        ItDirs.write(a.bundle, trustBundlePem);
        a.launch(joinToken);
        a.awaitReady();
        return a;
    }

    private String serverAddressHcl() {
        if (servers == null) {
            return "\"127.0.0.1\"";
        }
        return servers.stream().map(s -> "\"127.0.0.1:" + s.port() + "\"").collect(java.util.stream.Collectors.joining(", ", "[", "]"));
    }

    /**
     * The agent-API port of the server this run of the agent last opened its sync stream with (from its log line
     * {@code syncing with server 127.0.0.1:PORT}), and how many such lines there are so far; empty before the first.
     */
    public java.util.Optional<SyncedWith> syncedWith() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("syncing with server 127\\.0\\.0\\.1:(\\d+)")
                .matcher(process.stderr() + "\n" + process.stdout());
        Integer port = null;
        int count = 0;
        while (m.find()) {
            port = Integer.parseInt(m.group(1));
            count++;
        }
        return port == null ? java.util.Optional.empty() : java.util.Optional.of(new SyncedWith(port, count));
    }

    /** See {@link #syncedWith()}. */
    public record SyncedWith(int port, int streams) {}

    private void awaitReady() {
        ChildProcess p = process;
        try {
            Poll.until(START_TIMEOUT, name + " to serve the Workload API", () -> {
                if (!p.isAlive()) {
                    throw new AssertionError(name + " exited during startup with " + p.exitCode());
                }
                return p.stderr().contains(STARTED) || p.stdout().contains(STARTED);
            });
        } catch (AssertionError e) {
            String tails = p.tails();
            p.kill();
            throw new AssertionError(e.getMessage() + "\n" + tails, e);
        }
        if (!Files.exists(socket)) {
            throw new AssertionError(name + " says it started but " + socket + " does not exist\n" + p.tails());
        }
    }

    /** The local HTTP API's port of the running process (agents here use http_port = 0: any free port). */
    public int httpPort() {
        ChildProcess p = process;
        java.util.regex.Pattern listening = java.util.regex.Pattern.compile("agent HTTP API listening on 127\\.0\\.0\\.1:(\\d+)");
        java.util.regex.Matcher m = listening.matcher(p.stderr() + "\n" + p.stdout());
        if (!m.find()) {
            throw new AssertionError(name + " does not say where its HTTP API listens\n" + p.tails());
        }
        return Integer.parseInt(m.group(1));
    }

    public String name() {
        return name;
    }

    public Path socket() {
        return socket;
    }

    public Path dataDir() {
        return dataDir;
    }

    public ChildProcess process() {
        return process;
    }

    /** SIGTERM (clean stop); returns the exit code. */
    public int stop() {
        return process.stop(Duration.ofSeconds(10));
    }

    public void kill() {
        process.kill();
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
        }
    }
}
