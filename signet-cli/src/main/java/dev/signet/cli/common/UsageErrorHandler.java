package dev.signet.cli.common;

import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Reports a usage mistake (unknown flag or command, missing or invalid value) as {@code error: ...}
 * naming the flag, followed by the synopsis and a pointer to {@code --help}; exit code 2.
 */
public final class UsageErrorHandler implements CommandLine.IParameterExceptionHandler {
    /** Exit code for usage errors, as picocli and most Unix tools use. */
    public static final int USAGE = 2;

    private final PrintStream err;

    public UsageErrorHandler(PrintStream err) {
        this.err = err;
    }

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        err.println("error: " + describe(ex));
        if (ex instanceof UnmatchedArgumentException u) {
            List<String> suggestions = u.getSuggestions();
            if (!suggestions.isEmpty()) {
                err.println("did you mean: " + String.join(", ", suggestions) + "?");
            }
        }
        if (ex instanceof GroupCommand.MissingCommandException) {
            err.println();
            err.print(cmd.getUsageMessage(CommandLine.Help.Ansi.OFF));
        } else {
            err.print("Usage: " + cmd.getHelp().synopsis("Usage: ".length()));
            err.println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        }
        err.flush();
        return USAGE;
    }

    static String describe(ParameterException ex) {
        // Picocli checks required options before it reports unknown ones; the unknown flag is the real mistake.
        List<String> unmatched = ex instanceof UnmatchedArgumentException u ? u.getUnmatched()
                : ex.getCommandLine().getUnmatchedArguments();
        if (!unmatched.isEmpty()) {
            String arg = unmatched.get(0);
            String name = ex.getCommandLine().getCommandSpec().qualifiedName();
            if (arg.startsWith("-")) {
                int eq = arg.indexOf('=');
                return "unknown flag '" + (eq > 0 ? arg.substring(0, eq) : arg) + "' for '" + name + "'";
            }
            if (!ex.getCommandLine().getSubcommands().isEmpty()) {
                return "unknown command '" + arg + "' for '" + name + "'";
            }
            return "unexpected argument '" + arg + "' for '" + name + "'";
        }
        return lowerFirst(ex.getMessage());
    }

    /** Picocli's messages start upper-case; the house voice (like SPIRE's) is lower-case. */
    static String lowerFirst(String s) {
        if (s == null || s.isEmpty()) {
            return "invalid usage";
        }
        if (s.length() > 1 && Character.isUpperCase(s.charAt(0)) && !Character.isUpperCase(s.charAt(1))) {
            return Character.toLowerCase(s.charAt(0)) + s.substring(1);
        }
        return s;
    }
}
