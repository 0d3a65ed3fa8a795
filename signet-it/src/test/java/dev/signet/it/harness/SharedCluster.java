package dev.signet.it.harness;

/**
 * One server and one agent shared by the test classes whose tests do not stop, kill or ban them. Each such
 * test uses its own uids, so their entries do not interfere. Started on first use, stopped when the whole
 * run ends ({@link SignetExtension} registers the stop with JUnit's root context).
 */
public final class SharedCluster implements AutoCloseable {
    private static SharedCluster instance;

    private final SignetServer server;
    private final SignetAgent agent;

    private SharedCluster(SignetServer server, SignetAgent agent) {
        this.server = server;
        this.agent = agent;
    }

    public static synchronized SharedCluster get() {
        if (instance == null) {
            SignetServer server = SignetServer.start("shared-server");
            try {
                // This agent also runs the unix attestor with discover_workload_path, as a node would.
                SignetAgent agent = SignetAgent.start("shared-agent", server, server.token(), true);
                instance = new SharedCluster(server, agent);
            } catch (RuntimeException | Error e) {
                server.close();
                throw e;
            }
        }
        return instance;
    }

    static synchronized SharedCluster ifStarted() {
        return instance;
    }

    public SignetServer server() {
        return server;
    }

    public SignetAgent agent() {
        return agent;
    }

    /** Both processes' log tails. */
    public String tails() {
        return server.process().tails() + agent.process().tails();
    }

    boolean owns(ChildProcess p) {
        return p == server.process() || p == agent.process();
    }

    @Override
    public synchronized void close() {
        agent.close();
        server.close();
        instance = null;
    }
}
