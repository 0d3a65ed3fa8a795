package dev.signet.server.attestation;

/** Server side of a node attestor: verifies the agent's evidence. */
public interface NodeAttestor {
    /** The attestor name agents send, e.g. {@code join_token}. */
    String name();

    /**
     * Verifies the payload.
     *
     * @throws AttestationFailure with a message that names the attestor and says what was wrong
     */
    AttestationResult attest(byte[] payload) throws AttestationFailure;

    /** Evidence was refused. */
    final class AttestationFailure extends Exception {
        private static final long serialVersionUID = 1L;

        public AttestationFailure(String message) {
            super(message);
        }
    }
}
