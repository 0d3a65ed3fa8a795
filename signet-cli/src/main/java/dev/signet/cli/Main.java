package dev.signet.cli;

import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.CommandFactory;
import dev.signet.cli.common.RuntimeErrorHandler;
import dev.signet.cli.common.UsageErrorHandler;
import dev.signet.cli.run.DefaultLauncher;
import dev.signet.cli.run.Launcher;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine;

/**
 * The {@code signet} binary. {@link #main} is the only place that touches the real process (streams,
 * environment, exit); everything else runs through {@link #execute}, which tests call in-process.
 *
 * <p>Exit codes: 0 success, 1 the command ran and failed ({@code error: ...} on stderr), 2 usage error.
 */
public final class Main {
    private final Launcher launcher;

    /** A CLI whose {@code server run}, {@code agent run} and {@code dev} commands use {@code launcher}. */
    public Main(Launcher launcher) {
        this.launcher = Objects.requireNonNull(launcher, "launcher");
    }

    public static void main(String[] args) {
        int code = new Main(new DefaultLauncher()).execute(System.out, System.err, System.getenv(), args);
        System.exit(code);
    }

    /** Runs the CLI with the default launcher and returns the exit code; never calls {@code System.exit}. */
    public static int run(PrintStream out, PrintStream err, Map<String, String> env, String... args) {
        return new Main(new DefaultLauncher()).execute(out, err, env, args);
    }

    /** Runs one command line and returns its exit code; never calls {@code System.exit}. */
    public int execute(PrintStream out, PrintStream err, Map<String, String> env, String... args) {
        CliEnv cli = new CliEnv(out, err, Map.copyOf(env), launcher, Clock.systemUTC());
        boolean debug = debugRequested(args);
        try {
            CommandLine cl = commandLine(cli);
            cl.setExecutionExceptionHandler(new RuntimeErrorHandler(err, debug));
            return cl.execute(args);
        } catch (RuntimeException e) {
            // Only a bug in the CLI itself gets here; picocli reports everything else through the handlers.
            err.println("error: internal error: " + e);
            if (debug) {
                e.printStackTrace(err);
            }
            return RuntimeErrorHandler.FAILURE;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The configured command tree, for {@link #execute} and for tests that walk every command. */
    public static CommandLine commandLine(CliEnv cli) {
        CommandLine cl = new CommandLine(SignetCommand.class, new CommandFactory(cli));
        cl.setOut(new PrintWriter(cli.out(), true));
        cl.setErr(new PrintWriter(cli.err(), true));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setAbbreviatedOptionsAllowed(false);
        cl.setAbbreviatedSubcommandsAllowed(false);
        cl.setParameterExceptionHandler(new UsageErrorHandler(cli.err()));
        cl.setExecutionExceptionHandler(new RuntimeErrorHandler(cli.err(), false));
        setVersionProvider(cl, new VersionInfo());
        return cl;
    }

    private static void setVersionProvider(CommandLine cl, CommandLine.IVersionProvider provider) {
        cl.getCommandSpec().versionProvider(provider);
        for (CommandLine sub : cl.getSubcommands().values()) {
            setVersionProvider(sub, provider);
        }
    }

    private static boolean debugRequested(String[] args) {
        for (String a : args) {
            if (a.equals("--")) {
                return false;
            }
            if (a.equals("--debug")) {
                return true;
            }
        }
        return false;
    }
}
