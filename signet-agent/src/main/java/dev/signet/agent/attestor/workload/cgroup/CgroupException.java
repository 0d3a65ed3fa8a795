package dev.signet.agent.attestor.workload.cgroup;

/** A cgroup file could not be read, was malformed, or names contradictory containers; the message says which. */
public final class CgroupException extends Exception {
    private static final long serialVersionUID = 1L;

    public CgroupException(String message) {
        super(message);
    }

    public CgroupException(String message, Throwable cause) {
        super(message, cause);
    }
}
