package dev.signet.cli.common;

import picocli.CommandLine.Option;

/** {@code -o, --output text|json}: the same flag, spelled the same way, on every command that prints data. */
public final class OutputOption {
    @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text",
            converter = OutputFormat.Converter.class,
            description = "Output format: text (default) or json.")
    OutputFormat format = OutputFormat.TEXT;

    public OutputFormat format() {
        return format;
    }

    public boolean json() {
        return format == OutputFormat.JSON;
    }
}
