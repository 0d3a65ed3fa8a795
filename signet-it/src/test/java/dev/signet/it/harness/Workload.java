package dev.signet.it.harness;

import dev.signet.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Workloads: real child processes under another uid ({@code setpriv --reuid=U --regid=G --clear-groups}), so the
 * agent attests them by their peer credentials like any workload. Each runs from the world-readable copy of
 * the classpath.
 */
public final class Workload {
    public static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);
    private static final AtomicInteger SEQ = new AtomicInteger();

    private Workload() {}

    /** {@code setpriv --reuid=U --regid=G --clear-groups}. */
    public static List<String> asUid(Uids.Uid uid) {
        return List.of("setpriv", "--reuid=" + uid.uid(), "--regid=" + uid.gid(), "--clear-groups");
    }

    /** Starts {@code signet ARGS} as {@code uid}; output goes to the run's workload log directory. */
    public static ChildProcess startSignet(String what, Uids.Uid uid, List<String> args) {
        List<String> cmd = new ArrayList<>(asUid(uid));
        cmd.addAll(Jvm.signet(Jvm.SMALL, args));
        return ChildProcess.start(what + "-" + uid.uid() + "-" + SEQ.incrementAndGet(), logDir(), cmd, Map.of());
    }

    /** Runs {@code signet api fetch x509 --socket S --output json EXTRA} as {@code uid} and waits for it. */
    public static CliResult fetch(Uids.Uid uid, Path socket, String... extra) {
        List<String> args = new ArrayList<>(List.of("api", "fetch", "x509", "--socket", socket.toString(), "--output", "json"));
        args.addAll(List.of(extra));
        return runToEnd(startSignet("fetch", uid, args), "api fetch x509 as " + uid);
    }

    /**
     * Fetches until it succeeds (an entry created a moment ago reaches the agent asynchronously); fails with the
     * last result after {@code timeout}.
     */
    public static CliResult fetchUntilOk(Uids.Uid uid, Path socket, Duration timeout, String... extra) {
        AtomicReference<CliResult> last = new AtomicReference<>();
        try {
            return Poll.value(timeout, "a successful fetch as " + uid, () -> {
                CliResult r = fetch(uid, socket, extra);
                last.set(r);
                return r.exit() == 0 ? r : null;
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last attempt: " + last.get(), e);
        }
    }

    /** Fetches until the result is a failure (e.g. after an entry was deleted); returns that failure. */
    public static CliResult fetchUntilFails(Uids.Uid uid, Path socket, Duration timeout) {
        AtomicReference<CliResult> last = new AtomicReference<>();
        try {
            return Poll.value(timeout, "a failing fetch as " + uid, () -> {
                CliResult r = fetch(uid, socket);
                last.set(r);
                return r.exit() != 0 ? r : null;
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last attempt: " + last.get(), e);
        }
    }

    /** Starts {@code signet api watch --socket S --output json} as {@code uid}: one JSON line per update. */
    public static ChildProcess watch(Uids.Uid uid, Path socket) {
        return startSignet("watch", uid, List.of("api", "watch", "--socket", socket.toString(), "--output", "json"));
    }

    /**
     * Runs the java-spiffe client ({@code dev.signet.interop.JavaSpiffeClient SOCKET INIT_TIMEOUT_SECONDS}) as
     * {@code uid} in its own JVM with java-spiffe's own classpath.
     */
    public static CliResult javaSpiffe(Uids.Uid uid, Path socket, int initTimeoutSeconds) {
        return javaSpiffe(uid, socket, initTimeoutSeconds, new String[0]);
    }

    /**
     * The java-spiffe client with more arguments after {@code SOCKET INIT_TIMEOUT_SECONDS}, e.g.
     * {@code "jwt", AUDIENCE} for its JWT mode.
     */
    public static CliResult javaSpiffe(Uids.Uid uid, Path socket, int initTimeoutSeconds, String... more) {
        List<String> args = new ArrayList<>(List.of("unix:" + socket, Integer.toString(initTimeoutSeconds)));
        args.addAll(List.of(more));
        List<String> cmd = new ArrayList<>(asUid(uid));
        cmd.addAll(Jvm.command(Jvm.SMALL, ChildClasspath.javaSpiffe(), "dev.signet.interop.JavaSpiffeClient", args));
        ChildProcess p = ChildProcess.start("java-spiffe-" + uid.uid() + "-" + SEQ.incrementAndGet(), logDir(), cmd, Map.of());
        return runToEnd(p, "java-spiffe client as " + uid);
    }

    /**
     * Runs the Envoy SDS client ({@link dev.signet.it.sds.EnvoySdsClient} {@code SOCKET OPS...}) as {@code uid} in
     * its own JVM and waits for it.
     */
    public static CliResult sds(Uids.Uid uid, Path socket, String... ops) {
        List<String> args = new ArrayList<>(List.of(socket.toString()));
        args.addAll(List.of(ops));
        List<String> cmd = new ArrayList<>(asUid(uid));
        cmd.addAll(Jvm.command(Jvm.SMALL, ChildClasspath.sdsClient(), "dev.signet.it.sds.EnvoySdsClient", args));
        ChildProcess p = ChildProcess.start("sds-" + uid.uid() + "-" + SEQ.incrementAndGet(), logDir(), cmd, Map.of());
        return runToEnd(p, "SDS client as " + uid);
    }

    /** Waits for {@code p} to exit ({@link #RUN_TIMEOUT} at most) and returns its result. */
    public static CliResult runToEnd(ChildProcess p, String what) {
        return runToEnd(p, what, RUN_TIMEOUT);
    }

    /** Waits for {@code p} to exit and returns its result; kills it and fails after {@code timeout}. */
    public static CliResult runToEnd(ChildProcess p, String what, Duration timeout) {
        try (p) {
            int code = p.waitForExit(timeout);
            return new CliResult(what, code, p.stdout(), p.stderr());
        }
    }

    private static Path logDir() {
        return ItDirs.mkdir0755(ItDirs.base().resolve("workloads"));
    }
}
