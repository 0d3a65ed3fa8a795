package dev.signet.cli.run;

import ch.qos.logback.classic.Level;
import dev.signet.agent.Agent;
import dev.signet.agent.config.AgentConfig;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.registration.Entry;
import dev.signet.core.registration.Parent;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.x509.Pem;
import dev.signet.server.Server;
import dev.signet.server.config.ServerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The launcher {@code Main.main} uses: builds configs from files and flags, starts the real server and
 * agent composition roots, and runs them until SIGINT/SIGTERM (clean shutdown: sockets removed) or, for an
 * agent, until the server revokes it (exit code 1).
 */
public final class DefaultLauncher implements Launcher {
    private final Clock clock = Clock.systemUTC();

    @Override
    public int runServer(ServerFlags f, PrintStream out, PrintStream err) throws Exception {
        ConfigBlock file = f.config() == null ? new ConfigBlock("", Map.of()) : ConfigBlock.load(f.config());
        ServerConfig config = ServerConfig.fromHcl(file, new ServerConfig.Overrides(
                f.trustDomain() == null ? null : f.trustDomain().name(),
                f.dataDir() == null ? null : f.dataDir().toString(),
                f.bindAddress(), f.bindPort(),
                f.socketPath() == null ? null : f.socketPath().toString(),
                f.logLevel()));
        setLogLevel(config.logLevel());
        Server server = Server.start(config, clock);
        return runUntilStopped(List.of(server), null);
    }

    @Override
    public int runAgent(AgentFlags f, PrintStream out, PrintStream err) throws Exception {
        AgentConfig config = agentConfig(f);
        setLogLevel(config.logLevel());
        Stopper stopper = new Stopper();
        Agent agent = Agent.start(config, clock, stopper::fatal);
        return runUntilStopped(List.of(agent), stopper);
    }

    static AgentConfig agentConfig(AgentFlags f) {
        ConfigBlock file = f.config() == null ? new ConfigBlock("", Map.of()) : ConfigBlock.load(f.config());
        return AgentConfig.fromHcl(file, new AgentConfig.Overrides(
                f.trustDomain() == null ? null : f.trustDomain().name(),
                f.serverAddress(), f.serverPort(),
                f.dataDir() == null ? null : f.dataDir().toString(),
                f.joinToken(),
                f.trustBundle() == null ? null : f.trustBundle().toString(),
                f.insecureBootstrap(),
                f.socketPath() == null ? null : f.socketPath().toString(),
                f.logLevel()));
    }

    @Override
    public int runDev(DevFlags f, PrintStream out, PrintStream err) throws Exception {
        setLogLevel("warn");
        Path dir = f.dataDir();
        ServerConfig sc = ServerConfig.fromHcl(new ConfigBlock("", Map.of()), new ServerConfig.Overrides(
                f.trustDomain().name(), dir.resolve("server").toString(), "127.0.0.1", 0, f.serverSocket().toString(), "warn"));
        Server server = Server.start(sc, clock);
        Agent agent = null;
        try {
            long uid = currentUid();
            String user = System.getProperty("user.name", "");
            String segment = !user.isEmpty() && SpiffeId.segmentProblem(user) == null ? "user/" + user : "uid/" + uid;
            SpiffeId id = SpiffeId.parse(f.trustDomain().idString() + "/" + segment);
            server.createEntry(new Entry(null, id, new Parent.AnyNode(), new TreeSet<>(List.of(new Selector("unix", "uid:" + uid))),
                    null, List.of(), "", 0, null));
            Path bundle = dir.resolve("bundle.pem");
            Files.writeString(bundle, Pem.encodeCertificates(server.ca().bundle().x509Authorities()));
            String token = server.createJoinToken(Duration.ofMinutes(10), Map.of());
            AgentConfig ac = AgentConfig.fromHcl(new ConfigBlock("", Map.of()), new AgentConfig.Overrides(
                    f.trustDomain().name(), "127.0.0.1", server.agentApiPort(), dir.resolve("agent").toString(), token,
                    bundle.toString(), null, f.socket().toString(), "warn"));
            Stopper stopper = new Stopper();
            agent = Agent.start(ac, clock, stopper::fatal);
            String self = "bin/signet";
            out.println("Signet dev mode: a server and an agent in one process, embedded SQLite store.");
            out.println();
            out.println("  Trust domain:   " + f.trustDomain().name());
            out.println("  Your identity:  " + id + "   (selector unix:uid:" + uid + ")");
            out.println("  Workload API:   " + f.socket());
            out.println("  Admin API:      " + f.serverSocket());
            out.println("  Data:           " + dir + (f.temporaryDataDir() ? "   (deleted on exit)" : ""));
            out.println();
            out.println("Fetch your X.509-SVID as a workload would:");
            out.println("  " + self + " api fetch x509 --socket " + f.socket());
            out.println("Register another identity, e.g. for uid 1000:");
            out.println("  " + self + " entry create --server-socket " + f.serverSocket() + " --spiffe-id "
                    + f.trustDomain().idString() + "/web --selector unix:uid:1000 --any-node");
            out.println();
            out.println("Press Ctrl-C to stop.");
            out.flush();
            Runnable cleanup = f.temporaryDataDir() ? () -> deleteTree(dir) : null;
            return runUntilStopped(List.of(agent, server), stopper, cleanup);
        } catch (Exception | Error e) {
            if (agent != null) {
                agent.close();
            }
            server.close();
            throw e;
        }
    }

    private int runUntilStopped(List<AutoCloseable> parts, Stopper stopper) throws InterruptedException {
        return runUntilStopped(parts, stopper, null);
    }

    /** Blocks until SIGINT/SIGTERM (exit 0) or a fatal agent error (exit 1), closing {@code parts} in order. */
    private int runUntilStopped(List<AutoCloseable> parts, Stopper stopper, Runnable cleanup) throws InterruptedException {
        Stopper s = stopper != null ? stopper : new Stopper();
        AtomicBoolean closed = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(1);
        // Called by both the main thread and the shutdown hook; whichever comes second waits for the first to
        // finish, so the JVM never halts (hooks done) while the main thread is still closing sockets.
        Runnable closeAll = () -> {
            if (!closed.compareAndSet(false, true)) {
                awaitUninterruptibly(done);
                return;
            }
            try {
                for (AutoCloseable p : parts) {
                    try {
                        p.close();
                    } catch (Exception e) {
                        LoggerFactory.getLogger(DefaultLauncher.class).warn("error while stopping: {}", e.toString());
                    }
                }
                if (cleanup != null) {
                    cleanup.run();
                }
            } finally {
                done.countDown();
            }
        };
        Thread hook = new Thread(() -> {
            s.stop(0);
            closeAll.run();
        }, "signet-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        int code = s.await();
        closeAll.run();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running; it waits for the close above, which has finished
        }
        return code;
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Collects the reason the process should stop. */
    static final class Stopper {
        private final CountDownLatch latch = new CountDownLatch(1);
        private final AtomicInteger code = new AtomicInteger();

        void fatal(String why) {
            Logger log = LoggerFactory.getLogger("signet");
            log.error("stopping: {}", why);
            stop(1);
        }

        void stop(int exitCode) {
            if (latch.getCount() > 0) {
                code.set(exitCode);
                latch.countDown();
            }
        }

        int await() throws InterruptedException {
            latch.await();
            return code.get();
        }
    }

    private static long currentUid() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
            }
        }
        throw new IOException("cannot read own uid from /proc/self/status");
    }

    private static void setLogLevel(String level) {
        var root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level, Level.INFO));
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
