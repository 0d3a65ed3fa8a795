package dev.signet.agent.peer;

/**
 * The facts read about a caller cannot be trusted: it has exited (its PID may now name another process),
 * it was never identifiable (PID 0, no kernel credentials), or its liveness could not be checked.
 */
public final class PeerGoneException extends Exception {
    private static final long serialVersionUID = 1L;

    public PeerGoneException(String message) {
        super(message);
    }

    public PeerGoneException(String message, Throwable cause) {
        super(message, cause);
    }
}
