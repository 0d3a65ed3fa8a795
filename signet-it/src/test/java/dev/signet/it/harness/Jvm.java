package dev.signet.it.harness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Command lines for child JVMs: small and quick to start, since the suite starts many of them. */
public final class Jvm {
    /** Flags for short-lived clients (workloads, CLI runs). */
    public static final List<String> SMALL = List.of("-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
            "-XX:ReservedCodeCacheSize=32m", "-Xss512k");
    /** Flags for the server and agent processes (like bin/signet's defaults, smaller heap). */
    public static final List<String> DAEMON = List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
            "-XX:ReservedCodeCacheSize=48m", "-Xss512k");

    private Jvm() {}

    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code java FLAGS -cp CLASSPATH MAIN ARGS}. */
    public static List<String> command(List<String> flags, String classpath, String mainClass, List<String> args) {
        List<String> c = new ArrayList<>();
        c.add(java());
        c.addAll(flags);
        c.add("-cp");
        c.add(classpath);
        c.add(mainClass);
        c.addAll(args);
        return c;
    }

    /** {@code java FLAGS -cp <signet> dev.signet.cli.Main ARGS}. */
    public static List<String> signet(List<String> flags, List<String> args) {
        return command(flags, ChildClasspath.signet(), "dev.signet.cli.Main", args);
    }
}
