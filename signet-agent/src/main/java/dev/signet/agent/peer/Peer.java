package dev.signet.agent.peer;

import dev.signet.agent.attestor.workload.Caller;
import java.util.Optional;

/**
 * The process at the other end of one Workload API connection, captured by the kernel at accept: its
 * {@link Caller} credentials (SO_PEERCRED) and the means to prove later that the PID still names it.
 * One per connection, shared by that connection's calls, closed when the connection closes.
 *
 * <p>Use: read {@code /proc/<pid>} (attest), <em>then</em> {@link #verifyAlive()}. Facts read before a
 * successful check belong to the caller; a check before reading proves nothing.
 */
public final class Peer implements AutoCloseable {
    private final Caller caller;
    private final Liveness liveness;

    Peer(Caller caller, Liveness liveness) {
        this.caller = caller;
        this.liveness = liveness;
    }

    /** A peer that cannot be attested, e.g. PID 0 (the caller is in another PID namespace). */
    static Peer unattestable(Caller caller, String reason) {
        return new Peer(caller, new Liveness.None(reason));
    }

    /** The kernel's credentials, absent if the caller could not be identified at all. */
    public Optional<Caller> caller() {
        return liveness instanceof Liveness.None ? Optional.empty() : Optional.of(caller);
    }

    /** The PID the kernel reported, for logs; 0 or -1 when unknown. */
    public int pid() {
        return caller == null ? -1 : caller.pid();
    }

    /** The caller, or why it cannot be attested. */
    public Caller requireCaller() throws PeerGoneException {
        if (liveness instanceof Liveness.None none) {
            throw new PeerGoneException(none.reason());
        }
        return caller;
    }

    /** Fails unless the process that connected is still running under the same PID. Call after attestation. */
    public void verifyAlive() throws PeerGoneException {
        liveness.verifyAlive();
    }

    /** {@code pidfd}, {@code starttime} or {@code none}: how {@link #verifyAlive()} decides. */
    public String mechanism() {
        return liveness.mechanism();
    }

    Liveness liveness() {
        return liveness;
    }

    /** Releases the pidfd, if any. Idempotent; later checks fail. */
    @Override
    public void close() {
        liveness.close();
    }

    @Override
    public String toString() {
        return "Peer[pid " + pid() + (caller == null ? "" : ", uid " + caller.uid() + ", gid " + caller.gid()) + ", " + mechanism() + "]";
    }
}
