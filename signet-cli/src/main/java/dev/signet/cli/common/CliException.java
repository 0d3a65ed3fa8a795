package dev.signet.cli.common;

/**
 * A failure to report to the user as one {@code error: <message>} line with exit code 1: the server is
 * unreachable, it refused the request, a file could not be written. Usage mistakes are picocli
 * {@code ParameterException}s instead (exit code 2).
 */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CliException(String message) {
        super(message);
    }

    public CliException(String message, Throwable cause) {
        super(message, cause);
    }
}
