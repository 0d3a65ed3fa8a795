package dev.signet.agent.attestor.workload;

/** Attestation could not determine a caller's facts; the message names the attestor. */
public final class AttestationException extends Exception {
    private static final long serialVersionUID = 1L;

    public AttestationException(String attestor, String message) {
        super(attestor + ": " + message);
    }

    public AttestationException(String attestor, String message, Throwable cause) {
        super(attestor + ": " + message, cause);
    }
}
