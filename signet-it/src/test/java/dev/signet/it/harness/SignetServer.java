package dev.signet.it.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.signet.testing.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@code signet server run} child process with its own data directory, a free loopback port and its admin
 * socket in a 0755 directory. Admin commands run in-process through {@link #cli}.
 */
public final class SignetServer implements AutoCloseable {
    public static final String TRUST_DOMAIN = "example.org";
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    private final Path dir;
    private final Path dataDir;
    private final Path socket;
    private final Path config;
    private final int port;
    private ChildProcess process;

    private SignetServer(String name, Path dir, int port) {
        this.name = name;
        this.dir = dir;
        this.dataDir = dir.resolve("data");
        this.socket = ItDirs.mkdir0755(dir.resolve("s")).resolve("server.sock");
        this.config = dir.resolve("server.hcl");
        this.port = port;
    }

    /** Starts a new server and waits until {@code signet healthcheck} passes. */
    public static SignetServer start(String name) {
        return start(name, Map.of());
    }

    /**
     * Starts a new server whose {@code server} block has {@code settings} (HCL values, e.g.
     * {@code "ca_ttl" -> "\"40s\""}) in place of, or in addition to, the defaults below.
     */
    public static SignetServer start(String name, Map<String, String> settings) {
        return start(name, settings, "");
    }

    /** Like {@link #start(String, Map)}, with {@code extraHcl} appended after the {@code server} block (e.g. {@code node_attestor} blocks). */
    public static SignetServer start(String name, Map<String, String> settings, String extraHcl) {
        SignetServer s = new SignetServer(name, ItDirs.newDir(name), freePort());
        Map<String, String> values = new java.util.LinkedHashMap<>();
        values.put("trust_domain", '"' + TRUST_DOMAIN + '"');
        values.put("data_dir", '"' + s.dataDir.toString() + '"');
        values.put("bind_address", "\"127.0.0.1\"");
        values.put("bind_port", Integer.toString(s.port));
        values.put("socket_path", '"' + s.socket.toString() + '"');
        values.put("ca_key_type", "\"ec-p256\"");
        values.put("ca_ttl", "\"24h\"");
        values.put("default_x509_svid_ttl", "\"1h\"");
        values.put("default_jwt_svid_ttl", "\"5m\"");
        values.put("agent_ttl", "\"1h\"");
        values.put("log_level", "\"info\"");
        values.putAll(settings);
        StringBuilder hcl = new StringBuilder("server {\n");
        values.forEach((k, v) -> hcl.append("  ").append(String.format("%-21s", k)).append(" = ").append(v).append('\n'));
        ItDirs.write(s.config, hcl.append("}\n").append(extraHcl).toString());
        s.launch();
        return s;
    }

    /** Starts the process again with the same config and data directory (after {@link #kill} or {@link #stop}). */
    public void restart() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is still running");
        }
        launch();
    }

    private void launch() {
        process = ChildProcess.start(name, dir, Jvm.signet(Jvm.DAEMON, List.of("server", "run", "--config", config.toString())), Map.of());
        try {
            Poll.until(START_TIMEOUT, name + " to become healthy", () -> {
                if (!process.isAlive()) {
                    throw new AssertionError(name + " exited during startup\n" + process.tails());
                }
                return Files.exists(socket) && healthcheck().exit() == 0;
            });
        } catch (AssertionError e) {
            String tails = process.tails();
            process.kill();
            throw new AssertionError(e.getMessage() + "\n" + tails, e);
        }
    }

    public CliResult healthcheck() {
        return cli("healthcheck");
    }

    /** Runs {@code signet ARGS} in-process against this server's admin socket. */
    public CliResult cli(String... args) {
        return Cli.run(Map.of("SIGNET_SERVER_SOCKET", socket.toString()), args);
    }

    /** {@code token generate -o json [--ttl T] [--label K=V ...]}; returns the JSON. */
    public JsonNode tokenJson(String ttl, String... labels) {
        List<String> a = new ArrayList<>(List.of("token", "generate", "--output", "json"));
        if (ttl != null) {
            a.add("--ttl");
            a.add(ttl);
        }
        for (String l : labels) {
            a.add("--label");
            a.add(l);
        }
        return cli(a.toArray(String[]::new)).ok().json();
    }

    public String token(String... labels) {
        return tokenJson(null, labels).get("token").asText();
    }

    /** {@code entry create ... -o json}; returns the created entry's JSON. */
    public JsonNode createEntry(String... args) {
        List<String> a = new ArrayList<>(List.of("entry", "create", "--output", "json"));
        a.addAll(List.of(args));
        return cli(a.toArray(String[]::new)).ok().json();
    }

    public void deleteEntry(String id) {
        cli("entry", "delete", "--id", id).ok();
    }

    /** {@code entry list -o json}. */
    public JsonNode entries() {
        return cli("entry", "list", "--output", "json").ok().json();
    }

    /** {@code agent list -o json}. */
    public JsonNode agents() {
        return cli("agent", "list", "--output", "json").ok().json();
    }

    /** Writes {@code bundle show} to a PEM file (0644) in this server's directory and returns it. */
    public Path writeBundle() {
        String pem = cli("bundle", "show").ok().stdout();
        Path f = dir.resolve("bundle.pem");
        ItDirs.write(f, pem);
        return f;
    }

    /**
     * A top-level {@code datastore} block for {@link #start(String, Map, String)}: PostgreSQL at {@code connectionString}
     * (several servers given the same one share the database).
     */
    public static String postgresDatastore(String connectionString) {
        return "datastore {\n  type              = \"postgres\"\n  connection_string = \""
                + connectionString.replace("\\", "\\\\").replace("\"", "\\\"") + "\"\n}\n";
    }

    /** This server's CA certificate now signing (PEM, {@code <data_dir>/ca/current.crt}). */
    public String caCertificatePem() {
        try {
            return Files.readString(dataDir.resolve("ca").resolve("current.crt"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String id(String path) {
        return "spiffe://" + TRUST_DOMAIN + path;
    }

    public static String agentId(String token) {
        return id("/signet/agent/join_token/" + token);
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
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

    /** SIGKILL: the server disappears without cleaning up. */
    public void kill() {
        process.kill();
    }

    /** SIGTERM; returns the exit code. */
    public int stop() {
        return process.stop(Duration.ofSeconds(10));
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
        }
    }

    /** A loopback port that was free a moment ago (the agent needs to know it, so bind_port 0 will not do). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
