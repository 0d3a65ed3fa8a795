package dev.signet.cli.common;

import java.util.Locale;
import picocli.CommandLine;

/** How a command prints its result: for people ({@code text}) or for scripts ({@code json}). */
public enum OutputFormat {
    TEXT,
    JSON;

    /** Picocli converter accepting {@code text} or {@code json} in any case. */
    public static final class Converter implements CommandLine.ITypeConverter<OutputFormat> {
        @Override
        public OutputFormat convert(String value) {
            try {
                return OutputFormat.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("expected text or json, got '" + value + "'");
            }
        }
    }
}
