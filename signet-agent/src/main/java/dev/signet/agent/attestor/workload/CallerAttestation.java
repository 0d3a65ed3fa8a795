package dev.signet.agent.attestor.workload;

import dev.signet.agent.peer.Peer;
import dev.signet.agent.peer.PeerGoneException;
import dev.signet.core.selector.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Attests the caller of one Workload API or SDS call: every
 * attestor runs on the caller's PID, at least one must succeed (the others' errors are logged and their
 * selectors dropped) unless one failed with {@link AttestationException#unavailable} (then the call fails), an
 * attestor may only vouch for selectors of its own type, and only <em>then</em>
 * {@link Peer#verifyAlive()} proves the PID still named the caller while the attestors read it.
 * Blocking (reads {@code /proc}): run it off the event loop.
 */
public final class CallerAttestation {
    private static final Logger log = LoggerFactory.getLogger(CallerAttestation.class);

    private final List<WorkloadAttestor> attestors;

    public CallerAttestation(List<WorkloadAttestor> attestors) {
        this.attestors = List.copyOf(attestors);
        if (this.attestors.isEmpty()) {
            throw new IllegalArgumentException("at least one workload attestor is required");
        }
    }

    /** The caller's selectors; fails if the caller cannot be identified, no attestor succeeded or the caller is gone. */
    public SortedSet<Selector> attest(Peer peer) throws PeerGoneException, Failed {
        if (peer == null) {
            throw new PeerGoneException("the connection carries no peer credentials");
        }
        Caller caller = peer.requireCaller();
        SortedSet<Selector> selectors = new TreeSet<>();
        List<String> failures = new ArrayList<>();
        int succeeded = 0;
        boolean unavailable = false;
        for (WorkloadAttestor attestor : attestors) {
            try {
                for (Selector s : attestor.attest(caller)) {
                    if (s.type().equals(attestor.name())) {
                        selectors.add(s);
                    } else {
                        log.warn("attestor {} returned selector {} of another type; ignored", attestor.name(), s);
                    }
                }
                succeeded++;
            } catch (AttestationException e) {
                failures.add(e.getMessage());
                unavailable |= e.failsAttestation();
            } catch (RuntimeException e) {
                failures.add(attestor.name() + ": " + e);
            }
        }
        if (succeeded == 0 || unavailable) {
            throw new Failed(String.join("; ", failures));
        }
        if (!failures.isEmpty()) {
            log.warn("pid {}: some workload attestors failed, their selectors are dropped: {}", caller.pid(), String.join("; ", failures));
        }
        peer.verifyAlive();
        return selectors;
    }

    /** No attestor could attest the caller; the message joins their errors. */
    public static final class Failed extends Exception {
        private static final long serialVersionUID = 1L;

        Failed(String message) {
            super(message);
        }
    }
}
