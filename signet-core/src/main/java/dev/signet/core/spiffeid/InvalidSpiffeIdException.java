package dev.signet.core.spiffeid;

/** A string is not a valid SPIFFE ID or trust domain; the message says which rule it broke. */
public final class InvalidSpiffeIdException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidSpiffeIdException(String input, String reason) {
        super("invalid SPIFFE ID " + quote(input) + ": " + reason);
    }

    InvalidSpiffeIdException(String message) {
        super(message);
    }

    static String quote(String s) {
        if (s == null) {
            return "(null)";
        }
        String shown = s.length() > 80 ? s.substring(0, 77) + "..." : s;
        return "\"" + shown + "\"";
    }
}
