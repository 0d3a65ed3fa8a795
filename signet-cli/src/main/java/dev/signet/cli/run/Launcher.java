package dev.signet.cli.run;

import java.io.PrintStream;

/**
 * Starts the long-running processes behind {@code signet server run}, {@code signet agent run} and
 * {@code signet dev}. The CLI only parses and validates flags; the composition roots live behind this
 * seam so the parsing can be tested without starting anything.
 *
 * <p>Each method blocks until the process should exit and returns its exit code (0 on a clean
 * shutdown). An exception it throws is reported as one {@code error: <message>} line and exit code 1,
 * so a configuration problem should be thrown with a message an operator can act on.
 */
public interface Launcher {

    /** Runs the server until shutdown. */
    int runServer(ServerFlags flags, PrintStream out, PrintStream err) throws Exception;

    /** Runs the agent until shutdown. */
    int runAgent(AgentFlags flags, PrintStream out, PrintStream err) throws Exception;

    /** Runs a server and an agent in one process, for trying Signet out on one machine. */
    int runDev(DevFlags flags, PrintStream out, PrintStream err) throws Exception;
}
