package dev.signet.agent.attestor.workload;

/** Attestation could not determine a caller's facts; the message names the attestor. */
public final class AttestationException extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean failsAttestation;

    public AttestationException(String attestor, String message) {
        this(attestor, message, null, false);
    }

    public AttestationException(String attestor, String message, Throwable cause) {
        this(attestor, message, cause, false);
    }

    private AttestationException(String attestor, String message, Throwable cause, boolean failsAttestation) {
        super(attestor + ": " + message, cause);
        this.failsAttestation = failsAttestation;
    }

    /**
     * The attestor knows the caller belongs to its platform (e.g. runs in a container) but cannot learn its facts
     * now (e.g. the kubelet does not list the pod yet): the whole attestation fails (UNAVAILABLE, the workload
     * retries) instead of going on with the other attestors' selectors only.
     */
    public static AttestationException unavailable(String attestor, String message, Throwable cause) {
        return new AttestationException(attestor, message, cause, true);
    }

    /** True if this failure fails the caller's whole attestation, see {@link #unavailable}. */
    public boolean failsAttestation() {
        return failsAttestation;
    }
}
