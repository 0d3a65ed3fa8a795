package dev.signet.agent.attestor.node;

/** Agent side of a node attestor: produces the evidence the server's attestor of the same name verifies. */
public interface NodeAttestorClient {
    /** The attestor name, e.g. {@code join_token}. */
    String name();

    /** The attestation payload. */
    byte[] payload();
}
