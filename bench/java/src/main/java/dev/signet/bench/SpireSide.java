package dev.signet.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * SPIRE v1.13.3 configured like the Signet side: trust domain example.org, join_token node attestation, the unix
 * workload attestor, SQLite, CA 24h, X509-SVID 1h, JWT-SVID 5m, agent SVID 1h, EC P-256 keys kept on disk.
 */
final class SpireSide implements AutoCloseable {
    final Path bin;
    final Path dir;
    final int port = SignetSide.freePort();
    final Path serverSocket;
    final Path agentSocket;
    Proc server;
    Proc agent;
    double startupMs;
    String agentId;

    SpireSide(Path bin, Path dir) {
        this.bin = bin;
        this.dir = dir;
        this.serverSocket = dir.resolve("server/api.sock");
        this.agentSocket = dir.resolve("agent/s/agent.sock");
        SignetSide.write(dir.resolve("server.conf"), """
                server {
                  bind_address          = "127.0.0.1"
                  bind_port             = "%d"
                  socket_path           = "%s"
                  trust_domain          = "%s"
                  data_dir              = "%s"
                  log_level             = "WARN"
                  ca_key_type           = "ec-p256"
                  ca_ttl                = "24h"
                  default_x509_svid_ttl = "1h"
                  default_jwt_svid_ttl  = "5m"
                  agent_ttl             = "1h"
                }
                plugins {
                  DataStore "sql" {
                    plugin_data {
                      database_type     = "sqlite3"
                      connection_string = "%s"
                    }
                  }
                  KeyManager "disk" {
                    plugin_data { keys_path = "%s" }
                  }
                  NodeAttestor "join_token" {
                    plugin_data {}
                  }
                }
                """.formatted(port, serverSocket, SignetSide.TD, dir.resolve("server/data"),
                dir.resolve("server/data/datastore.sqlite3"), dir.resolve("server/data/keys.json")));
    }

    static String version(Path bin) {
        try {
            Process p = new ProcessBuilder(bin.resolve("spire-server").toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (Exception e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    void startServer() {
        long t0 = System.nanoTime();
        server = Proc.start("spire-server", dir.resolve("server"),
                List.of(bin.resolve("spire-server").toString(), "run", "-config", dir.resolve("server.conf").toString()), Map.of());
        server.await(Duration.ofMinutes(10), "healthy server", () -> Files.exists(serverSocket)
                && run(Duration.ofSeconds(10), "spire-server", "healthcheck", "-socketPath", serverSocket.toString()).ok());
        startupMs = (System.nanoTime() - t0) / 1e6;
    }

    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    String token() {
        Out o = run(Duration.ofSeconds(30), "spire-server", "token", "generate", "-socketPath", serverSocket.toString(), "-ttl", "3600");
        if (!o.ok()) {
            throw new IllegalStateException("spire-server token generate: " + o.text);
        }
        return o.text.lines().filter(l -> l.startsWith("Token:")).map(l -> l.substring("Token:".length()).trim())
                .findFirst().orElseThrow(() -> new IllegalStateException("spire-server token generate printed no token: " + o.text));
    }

    void startAgent() {
        Out b = run(Duration.ofSeconds(30), "spire-server", "bundle", "show", "-socketPath", serverSocket.toString());
        if (!b.ok()) {
            throw new IllegalStateException("spire-server bundle show: " + b.text);
        }
        Path bundle = dir.resolve("bundle.pem");
        SignetSide.write(bundle, b.text);
        String token = token();
        agentId = "spiffe://" + SignetSide.TD + "/spire/agent/join_token/" + token;
        Path adir = dir.resolve("agent");
        SignetSide.write(adir.resolve("agent.conf"), """
                agent {
                  data_dir          = "%s"
                  log_level         = "WARN"
                  server_address    = "127.0.0.1"
                  server_port       = "%d"
                  socket_path       = "%s"
                  trust_bundle_path = "%s"
                  trust_domain      = "%s"
                  join_token        = "%s"
                }
                plugins {
                  NodeAttestor "join_token" {
                    plugin_data {}
                  }
                  KeyManager "disk" {
                    plugin_data { directory = "%s" }
                  }
                  WorkloadAttestor "unix" {
                    plugin_data {}
                  }
                }
                """.formatted(adir.resolve("data"), port, agentSocket, bundle, SignetSide.TD, token, adir.resolve("data")));
        try {
            Files.createDirectories(adir.resolve("data"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        agent = Proc.start("spire-agent", adir,
                List.of(bin.resolve("spire-agent").toString(), "run", "-config", adir.resolve("agent.conf").toString()), Map.of());
        agent.await(Duration.ofMinutes(2), "healthy agent", () -> Files.exists(agentSocket)
                && run(Duration.ofSeconds(10), "spire-agent", "healthcheck", "-socketPath", agentSocket.toString()).ok());
    }

    /** Creates an entry with the spire-server CLI (set-up only; timed writes go through the Go client's API call). */
    void createEntry(String spiffeId, String parentId, String selector) {
        Out o = run(Duration.ofSeconds(30), "spire-server", "entry", "create", "-socketPath", serverSocket.toString(),
                "-spiffeID", spiffeId, "-parentID", parentId, "-selector", selector);
        if (!o.ok()) {
            throw new IllegalStateException("spire-server entry create: " + o.text);
        }
    }

    record Out(int code, String text) {
        boolean ok() {
            return code == 0;
        }
    }

    Out run(Duration timeout, String tool, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(bin.resolve(tool).toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Out(-1, "timeout");
            }
            return new Out(p.exitValue(), text);
        } catch (Exception e) {
            return new Out(-1, e.toString());
        }
    }

    @Override
    public void close() {
        if (agent != null) {
            agent.close();
        }
        stopServer();
    }
}
