package dev.signet.agent.peer;

import dev.signet.agent.attestor.workload.Caller;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures a {@link Peer} for each accepted Unix-socket connection: SO_PEERCRED, plus a pidfd
 * (SO_PEERPIDFD, Linux 6.5+) or, where the kernel has none, the caller's start time. Runs on the event
 * loop at accept, so it does only a getsockopt or one small procfs read.
 */
public final class PeerTracker {
    private static final Logger log = LoggerFactory.getLogger(PeerTracker.class);

    /** How to defend against PID reuse. */
    public enum Mode {
        /** SO_PEERPIDFD where the kernel has it, otherwise start times (the default). */
        AUTO,
        /** SO_PEERPIDFD only; a kernel without it makes every caller unattestable. */
        PIDFD,
        /** Start times only (tests, or to compare behaviour). */
        START_TIME
    }

    private final Path procRoot;
    private final Mode mode;
    private volatile boolean pidfdUnsupported;
    private volatile boolean loggedMechanism;

    /** Production defaults: {@code /proc} and {@link Mode#AUTO}. */
    public PeerTracker() {
        this(Path.of("/proc"), Mode.AUTO);
    }

    /** @param procRoot where the start-time fallback reads {@code <pid>/stat}, normally {@code /proc} */
    public PeerTracker(Path procRoot, Mode mode) {
        this.procRoot = Objects.requireNonNull(procRoot, "procRoot");
        this.mode = Objects.requireNonNull(mode, "mode");
    }

    /** Captures the peer of an accepted connection. Never throws: failures give an unattestable peer. */
    public Peer track(Channel channel) {
        if (!(channel instanceof EpollDomainSocketChannel uds)) {
            return Peer.unattestable(null, "connection is not a Unix domain socket; the caller cannot be identified");
        }
        PeerCredentials creds;
        try {
            creds = uds.peerCredentials();
        } catch (IOException | RuntimeException e) {
            return Peer.unattestable(null, "cannot read SO_PEERCRED: " + e.getMessage());
        }
        int[] gids = creds.gids();
        int gid = gids.length > 0 ? gids[0] : -1;
        return track(uds.fd().intValue(), new Caller(creds.pid(), creds.uid(), gid));
    }

    /** Captures the peer of the connected Unix socket {@code socketFd}, whose SO_PEERCRED is {@code caller}. */
    Peer track(int socketFd, Caller caller) {
        if (caller.pid() <= 0) {
            // The kernel reports 0 when the connecting process is not visible in our PID namespace.
            return Peer.unattestable(caller, "caller PID is unknown (0): the caller runs in another PID namespace"
                    + " than the agent, which must share the host PID namespace to attest workloads");
        }
        if (mode != Mode.START_TIME && !pidfdUnsupported) {
            try {
                int pidfd = Pidfd.peerPidfd(socketFd);
                logMechanism("SO_PEERPIDFD");
                return new Peer(caller, new Liveness.PidfdLiveness(caller.pid(), pidfd));
            } catch (Pidfd.UnsupportedException e) {
                if (mode == Mode.PIDFD) {
                    return Peer.unattestable(caller, e.getMessage());
                }
                pidfdUnsupported = true;
                log.info("{}; defending against PID reuse with /proc start times instead", e.getMessage());
            } catch (IOException e) {
                return Peer.unattestable(caller, "process " + caller.pid() + " is gone since it connected: " + e.getMessage());
            }
        }
        return trackByStartTime(caller);
    }

    /** The start-time fallback for a known PID. */
    Peer trackByStartTime(Caller caller) {
        try {
            long startTime = ProcStat.readStartTime(procRoot, caller.pid());
            logMechanism("/proc start times");
            return new Peer(caller, new Liveness.StartTimeLiveness(procRoot, caller.pid(), startTime));
        } catch (IOException e) {
            return Peer.unattestable(caller, "process " + caller.pid() + " is gone since it connected: " + e.getMessage());
        }
    }

    private void logMechanism(String how) {
        if (!loggedMechanism) {
            loggedMechanism = true;
            log.info("Workload API callers are tracked with SO_PEERCRED and {}", how);
        }
    }
}
