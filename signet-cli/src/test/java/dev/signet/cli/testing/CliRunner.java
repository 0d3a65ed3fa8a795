package dev.signet.cli.testing;

import dev.signet.cli.Main;
import dev.signet.cli.run.Launcher;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Runs the whole CLI in-process with captured streams and a made-up environment. */
public final class CliRunner {
    private CliRunner() {}

    /** Exit code and everything the command printed. */
    public record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Runs with the default launcher, through {@link Main#run}. */
    public static Result run(Map<String, String> env, String... args) {
        return capture((out, err) -> Main.run(out, err, env, args));
    }

    public static Result run(Launcher launcher, Map<String, String> env, String... args) {
        return capture((out, err) -> new Main(launcher).execute(out, err, env, args));
    }

    private interface Body {
        int run(PrintStream out, PrintStream err);
    }

    private static Result capture(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = body.run(o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
