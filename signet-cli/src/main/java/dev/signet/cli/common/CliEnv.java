package dev.signet.cli.common;

import dev.signet.cli.run.Launcher;
import java.io.PrintStream;
import java.time.Clock;
import java.util.Map;

/**
 * What a command may touch of the outside world: its output streams, the environment variables, the
 * clock and the launcher for the long-running commands. Passed to every command's constructor, so
 * tests run the whole CLI in-process with captured streams and a made-up environment.
 */
public record CliEnv(PrintStream out, PrintStream err, Map<String, String> env, Launcher launcher, Clock clock) {

    /** The value of an environment variable, or null if it is unset or empty. */
    public String getenv(String name) {
        String v = env.get(name);
        return v == null || v.isEmpty() ? null : v;
    }
}
