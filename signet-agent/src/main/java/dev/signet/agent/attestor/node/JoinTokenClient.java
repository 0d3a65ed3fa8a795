package dev.signet.agent.attestor.node;

import java.nio.charset.StandardCharsets;

/** The {@code join_token} node attestor, agent side: sends the operator-issued token. */
public final class JoinTokenClient implements NodeAttestorClient {
    private final String token;

    public JoinTokenClient(String token) {
        this.token = token;
    }

    @Override
    public String name() {
        return "join_token";
    }

    @Override
    public byte[] payload() {
        return token.getBytes(StandardCharsets.UTF_8);
    }
}
