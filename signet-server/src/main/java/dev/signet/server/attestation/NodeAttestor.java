package dev.signet.server.attestation;

import java.net.InetAddress;
import java.util.Optional;

/**
 * Server side of a node attestor: verifies the agent's evidence, optionally after challenging it (x509pop's
 * proof of possession). Implementations are called on a worker thread and may block on network calls
 * (TokenReview, EC2) and on {@link Session#challenge}.
 */
public interface NodeAttestor {
    /** The attestor name agents send, e.g. {@code join_token}. */
    String name();

    /**
     * Verifies the payload.
     *
     * @param payload the agent's evidence, as its attestor client produced it
     * @param session the attestation in progress: challenges to the agent and what the server knows of the peer
     * @throws AttestationFailure with a message that names the attestor and says what was wrong
     */
    AttestationResult attest(byte[] payload, Session session) throws AttestationFailure;

    /** The conversation with the agent being attested. */
    interface Session {
        /**
         * Sends {@code challenge} to the agent and waits for its answer.
         *
         * @throws AttestationFailure if the agent went away or did not answer in time
         */
        byte[] challenge(byte[] challenge) throws AttestationFailure;

        /** The agent's IP address as this server sees it, if known. */
        Optional<InetAddress> peerAddress();
    }

    /** How a refusal maps to an API status. */
    enum Reason {
        /** The evidence is malformed or names something this server isn't configured for (INVALID_ARGUMENT). */
        INVALID,
        /** The evidence was checked and refused (PERMISSION_DENIED). */
        DENIED,
        /** A platform API needed to check the evidence could not be reached (UNAVAILABLE): the agent may retry. */
        UNAVAILABLE
    }

    /** Evidence was refused. */
    final class AttestationFailure extends Exception {
        private static final long serialVersionUID = 1L;
        private final Reason reason;

        /** A refusal of checked evidence (PERMISSION_DENIED). */
        public AttestationFailure(String message) {
            this(Reason.DENIED, message);
        }

        public AttestationFailure(Reason reason, String message) {
            super(message);
            this.reason = reason;
        }

        public AttestationFailure(Reason reason, String message, Throwable cause) {
            super(message, cause);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }
}
