package dev.signet.agent.jwt;

/** A token is not a valid JWT-SVID; the message is the reason, fit to return to the caller. */
public final class JwtSvidValidationException extends Exception {
    private static final long serialVersionUID = 1L;

    public JwtSvidValidationException(String message) {
        super(message);
    }

    public JwtSvidValidationException(String message, Throwable cause) {
        super(message, cause);
    }
}
