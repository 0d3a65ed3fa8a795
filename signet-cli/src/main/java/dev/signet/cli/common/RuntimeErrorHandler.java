package dev.signet.cli.common;

import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Reports a failure while a command ran as one {@code error: <message>} line and exit code 1. The user
 * never sees a stack trace unless {@code --debug} was given.
 */
public final class RuntimeErrorHandler implements CommandLine.IExecutionExceptionHandler {
    /** Exit code for a command that ran and failed. */
    public static final int FAILURE = 1;

    private final PrintStream err;
    private final boolean debug;

    public RuntimeErrorHandler(PrintStream err, boolean debug) {
        this.err = err;
        this.debug = debug;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        err.println("error: " + describe(ex));
        if (debug) {
            ex.printStackTrace(err);
        }
        err.flush();
        return FAILURE;
    }

    /** One line for the user: our own messages as they are, gRPC statuses by their description. */
    public static String describe(Throwable ex) {
        if (ex instanceof CliException) {
            return ex.getMessage();
        }
        if (ex instanceof StatusRuntimeException s) {
            return GrpcErrors.describe(s.getStatus());
        }
        if (ex instanceof InterruptedException) {
            return "interrupted";
        }
        String msg = ex.getMessage();
        if (msg == null || msg.isBlank()) {
            return "unexpected " + ex.getClass().getSimpleName() + " (run with --debug for details)";
        }
        return msg;
    }
}
