package dev.signet.agent.jwt;

/** No JWT-SVID could be obtained: the server is unreachable or refused, or it returned an unusable token. */
public final class JwtSvidException extends Exception {
    private static final long serialVersionUID = 1L;

    public JwtSvidException(String message) {
        super(message);
    }

    public JwtSvidException(String message, Throwable cause) {
        super(message, cause);
    }
}
