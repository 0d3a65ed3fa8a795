package dev.signet.cli.common;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** A command that only groups subcommands ({@code signet entry}); run alone, it is a usage error. */
public abstract class GroupCommand implements Callable<Integer> {
    @Spec
    protected CommandSpec spec;

    @Override
    public Integer call() {
        throw new MissingCommandException(spec);
    }

    /** Thrown when a group command is run without one of its subcommands. */
    public static final class MissingCommandException extends ParameterException {
        private static final long serialVersionUID = 1L;

        MissingCommandException(CommandSpec spec) {
            super(spec.commandLine(), "missing command: '" + spec.qualifiedName() + "' needs one of "
                    + String.join(", ", spec.subcommands().keySet()));
        }
    }
}
