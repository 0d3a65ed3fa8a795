package dev.signet.agent.attestor.node;

import java.io.IOException;

/**
 * Agent side of a node attestor: produces the evidence the server's attestor of the same name verifies, and
 * answers its challenges (x509pop's proof of possession).
 */
public interface NodeAttestorClient {
    /** The attestor name, e.g. {@code join_token}. */
    String name();

    /**
     * The attestation payload, gathered fresh for each attempt (a projected token or an instance identity
     * document is read when called).
     *
     * @throws IOException when the evidence can't be read; the message names the attestor and what was missing
     */
    byte[] payload() throws IOException;

    /**
     * Answers a challenge from the server.
     *
     * @throws IOException when the challenge is malformed or can't be answered
     */
    default byte[] answer(byte[] challenge) throws IOException {
        throw new IOException(name() + ": the server sent a challenge, but this attestor expects none");
    }
}
