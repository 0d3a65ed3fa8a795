package dev.signet.agent.client;

import java.util.List;
import java.util.Random;

/**
 * Which server the agent talks to, and where it goes when that one fails. The servers are tried in the
 * configured order, starting at an index picked at random (so a fleet of agents with the same list spreads
 * across the servers); a failure moves on to the next server at once, wrapping around. When every server has
 * failed since the last success — a full round — {@link #failed()} says so, and the caller waits its backoff
 * before the next round. {@link #rebalance} picks a new random start (the agent does on each agent-SVID
 * rotation, so agents that failed over drift back to a restarted server).
 *
 * <p>Thread-safe.
 */
public final class ServerList {
    private final List<ServerAddress> servers;
    private int index;
    private int failuresInRow;

    /** Starts at {@code start} (mod the list's size). */
    public ServerList(List<ServerAddress> servers, int start) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no server addresses");
        }
        this.servers = List.copyOf(servers);
        this.index = Math.floorMod(start, servers.size());
    }

    /** Starts at a random index. */
    public ServerList(List<ServerAddress> servers, Random random) {
        this(servers, random.nextInt(Math.max(1, servers.size())));
    }

    public List<ServerAddress> all() {
        return servers;
    }

    public synchronized ServerAddress current() {
        return servers.get(index);
    }

    /**
     * The current server failed: moves to the next one. Returns true when this failure completes a full round
     * (every server failed since the last {@link #succeeded()}); the count then starts again.
     */
    public synchronized boolean failed() {
        index = (index + 1) % servers.size();
        failuresInRow++;
        if (failuresInRow >= servers.size()) {
            failuresInRow = 0;
            return true;
        }
        return false;
    }

    /** The current server answered: the next failure starts a new round. */
    public synchronized void succeeded() {
        failuresInRow = 0;
    }

    /** Moves to a random server (possibly the same one) and starts a new round. */
    public synchronized void rebalance(Random random) {
        index = random.nextInt(servers.size());
        failuresInRow = 0;
    }

    @Override
    public synchronized String toString() {
        return "ServerList" + servers + "@" + index;
    }
}
