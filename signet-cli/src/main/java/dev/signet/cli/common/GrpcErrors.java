package dev.signet.cli.common;

import io.grpc.Status;
import java.nio.file.Path;

/** Turns gRPC statuses into one-line messages, telling "nobody is listening" apart from a refusal. */
public final class GrpcErrors {
    private GrpcErrors() {}

    /** The status's description, or its code when the peer sent none. */
    public static String describe(Status status) {
        String d = status.getDescription();
        return d == null || d.isBlank() ? "request failed with " + status.getCode() : d;
    }

    /**
     * A transport failure to reach the socket at {@code path}, or null if {@code status} is an answer
     * from the peer. A peer may itself answer UNAVAILABLE ("not ready yet"); then there is no cause.
     */
    public static String unreachable(Status status, Path path, String what, String hint) {
        if (status.getCode() != Status.Code.UNAVAILABLE || status.getCause() == null) {
            return null;
        }
        String cause = causeMessages(status.getCause()).toLowerCase(java.util.Locale.ROOT);
        String prefix = "cannot reach " + what + " at " + path + ": ";
        if (cause.contains("permission denied")) {
            return prefix + "permission denied (run as a user allowed to open the socket)";
        }
        return prefix + "is it running? (" + hint + ")";
    }

    private static String causeMessages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null && sb.length() < 4096; c = c.getCause() == c ? null : c.getCause()) {
            sb.append(c.getMessage()).append('\n');
        }
        return sb.toString();
    }
}
