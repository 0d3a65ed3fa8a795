package dev.signet.agent.peer;

import java.io.IOException;
import java.nio.file.Path;

/** How a {@link Peer} proves, after attestation, that its PID still names the process that connected. */
sealed interface Liveness permits Liveness.PidfdLiveness, Liveness.StartTimeLiveness, Liveness.None {

    /** Short name for logs: {@code pidfd}, {@code starttime} or {@code none}. */
    String mechanism();

    void verifyAlive() throws PeerGoneException;

    /** Releases any descriptor held; afterwards {@link #verifyAlive()} fails. Idempotent. */
    void close();

    /**
     * Race-free: a pidfd obtained at accept (SO_PEERPIDFD) pins the exact process that called
     * {@code connect()}. Its PID number cannot be reused while that process has not exited, so if the
     * pidfd is still "not exited" after the attestors read {@code /proc/<pid>}, what they read was the caller.
     */
    final class PidfdLiveness implements Liveness {
        private final int pid;
        private int pidfd;

        PidfdLiveness(int pid, int pidfd) {
            this.pid = pid;
            this.pidfd = pidfd;
        }

        @Override
        public String mechanism() {
            return "pidfd";
        }

        // synchronized with close(): a closed descriptor number may be reused by another pidfd, so the
        // check must never poll a number this object no longer owns.
        @Override
        public synchronized void verifyAlive() throws PeerGoneException {
            if (pidfd < 0) {
                throw new PeerGoneException("connection of process " + pid + " is closed");
            }
            boolean exited;
            try {
                exited = Pidfd.hasExited(pidfd);
            } catch (IOException e) {
                throw new PeerGoneException("cannot check whether process " + pid + " is alive: " + e.getMessage(), e);
            }
            if (exited) {
                throw new PeerGoneException("process " + pid + " exited after connecting; its PID may have been reused");
            }
        }

        @Override
        public synchronized void close() {
            if (pidfd >= 0) {
                Pidfd.close(pidfd);
                pidfd = -1;
            }
        }

        synchronized int pidfd() {
            return pidfd;
        }
    }

    /**
     * Fallback for kernels before 6.5: the start time (in clock ticks since boot) of the process that had
     * the PID at accept. A reused PID gets a different start time. The window between {@code connect()}
     * and the first read at accept remains (as in SPIRE), so this is weaker than a pidfd.
     */
    record StartTimeLiveness(Path procRoot, int pid, long startTime) implements Liveness {
        @Override
        public String mechanism() {
            return "starttime";
        }

        @Override
        public void verifyAlive() throws PeerGoneException {
            long now;
            try {
                now = ProcStat.readStartTime(procRoot, pid);
            } catch (IOException e) {
                throw new PeerGoneException("process " + pid + " is gone: " + e.getMessage(), e);
            }
            if (now != startTime) {
                throw new PeerGoneException("process " + pid + " was replaced: start time " + now + " does not match " + startTime
                        + " recorded at connect; its PID was reused");
            }
        }

        @Override
        public void close() {}
    }

    /** The caller could not be identified at accept; every check fails with the reason. */
    record None(String reason) implements Liveness {
        @Override
        public String mechanism() {
            return "none";
        }

        @Override
        public void verifyAlive() throws PeerGoneException {
            throw new PeerGoneException(reason);
        }

        @Override
        public void close() {}
    }
}
