package dev.signet.cli.common;

import dev.signet.core.config.Durations;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Validates flag values with the domain parsers and reports problems as usage errors that start with
 * the flag's name: {@code --spiffe-id: invalid SPIFFE ID "x": ...}.
 */
public final class FlagValues {
    private static final Set<String> LOG_LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");

    private FlagValues() {}

    /** A usage error about {@code flag}. */
    public static ParameterException invalid(CommandSpec spec, String flag, String problem) {
        return new ParameterException(spec.commandLine(), flag + ": " + problem);
    }

    public static SpiffeId spiffeId(CommandSpec spec, String flag, String value) {
        try {
            return SpiffeId.parse(value);
        } catch (IllegalArgumentException e) {
            throw invalid(spec, flag, e.getMessage());
        }
    }

    public static TrustDomain trustDomain(CommandSpec spec, String flag, String value) {
        try {
            return TrustDomain.parse(value);
        } catch (IllegalArgumentException e) {
            throw invalid(spec, flag, e.getMessage());
        }
    }

    public static List<Selector> selectors(CommandSpec spec, String flag, List<String> values) {
        List<Selector> out = new ArrayList<>();
        for (String v : values) {
            try {
                out.add(Selector.parse(v));
            } catch (IllegalArgumentException e) {
                throw invalid(spec, flag, e.getMessage());
            }
        }
        return out;
    }

    /** A Go-style duration ({@code 90s}, {@code 1h30m}) of at least one second. */
    public static Duration positiveDuration(CommandSpec spec, String flag, String value) {
        Duration d = duration(spec, flag, value);
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            throw invalid(spec, flag, "must be at least 1s, got \"" + value + "\"");
        }
        return d;
    }

    /** A Go-style duration; {@code 0} on its own is accepted and means zero. */
    public static Duration duration(CommandSpec spec, String flag, String value) {
        if (value.trim().equals("0")) {
            return Duration.ZERO;
        }
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw invalid(spec, flag, e.getMessage());
        }
    }

    /** A duration in whole seconds that fits the wire's int32 fields. */
    public static int seconds(CommandSpec spec, String flag, Duration d) {
        if (d.toSeconds() > Integer.MAX_VALUE) {
            throw invalid(spec, flag, "is too long (at most " + Integer.MAX_VALUE + " seconds)");
        }
        if (d.toNanos() % 1_000_000_000L != 0) {
            throw invalid(spec, flag, "must be whole seconds");
        }
        return (int) d.toSeconds();
    }

    public static Integer port(CommandSpec spec, String flag, Integer value, int min) {
        if (value != null && (value < min || value > 65535)) {
            throw invalid(spec, flag, "port must be between " + min + " and 65535, got " + value);
        }
        return value;
    }

    /** Upper-cased log level, or null if not given. */
    public static String logLevel(CommandSpec spec, String flag, String value) {
        if (value == null) {
            return null;
        }
        String upper = value.trim().toUpperCase(Locale.ROOT);
        if (!LOG_LEVELS.contains(upper)) {
            throw invalid(spec, flag, "unknown log level \"" + value + "\" (use trace, debug, info, warn or error)");
        }
        return upper;
    }

    /** A file that must exist and be readable, or null if not given. */
    public static Path existingFile(CommandSpec spec, String flag, Path value) {
        if (value == null) {
            return null;
        }
        if (!Files.isRegularFile(value)) {
            throw invalid(spec, flag, "no such file: " + value);
        }
        if (!Files.isReadable(value)) {
            throw invalid(spec, flag, "file is not readable: " + value);
        }
        return value;
    }

    public static String nonBlank(CommandSpec spec, String flag, String value) {
        if (value == null || value.isBlank()) {
            throw invalid(spec, flag, "must not be empty");
        }
        return value;
    }
}
