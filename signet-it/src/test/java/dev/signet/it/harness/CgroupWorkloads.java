package dev.signet.it.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.signet.it.harness.Uids.Uid;
import dev.signet.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Workloads of one agent started inside chosen cgroups (container-shaped directories from {@link Cgroups#mkdirs}), as
 * the container workload attestors see them, and the registration entries a test makes for them; {@link #close()}
 * deletes those entries.
 */
public final class CgroupWorkloads implements AutoCloseable {
    private static final AtomicInteger SEQ = new AtomicInteger();

    private final SignetServer server;
    private final SignetAgent agent;
    private final String name;
    private final Duration timeout;
    private final List<String> entryIds = new ArrayList<>();

    /** {@code name} labels the workloads' logs; {@code timeout} bounds {@link #fetchUntilOk}. */
    public CgroupWorkloads(SignetServer server, SignetAgent agent, String name, Duration timeout) {
        this.server = server;
        this.agent = agent;
        this.name = name;
        this.timeout = timeout;
    }

    /** Registers {@code path} for any node with these workload selectors; returns its SPIFFE ID. */
    public String entry(String path, String... selectors) {
        List<String> args = new ArrayList<>(List.of("--spiffe-id", SignetServer.id(path), "--any-node"));
        for (String s : selectors) {
            args.add("--selector");
            args.add(s);
        }
        entryIds.add(server.createEntry(args.toArray(String[]::new)).get("id").asText());
        return SignetServer.id(path);
    }

    /** {@code signet api fetch x509} as {@code as}, started inside {@code cgroup} (null: where the test runs). */
    public CliResult fetch(Path cgroup, Uid as) {
        List<String> cmd = new ArrayList<>();
        if (cgroup != null) {
            cmd.addAll(Cgroups.enter(cgroup));
        }
        cmd.addAll(Workload.asUid(as));
        cmd.addAll(Jvm.signet(Jvm.SMALL, List.of("api", "fetch", "x509", "--socket", agent.socket().toString(), "--output", "json")));
        ChildProcess p = ChildProcess.start(name + "-fetch-" + SEQ.incrementAndGet(), ItDirs.mkdir0755(ItDirs.base().resolve("workloads")), cmd, Map.of());
        return Workload.runToEnd(p, "api fetch x509 as " + as + " in " + cgroup);
    }

    /** {@link #fetch} until it succeeds; fails after the timeout with the last attempt and the agent's log tails. */
    public CliResult fetchUntilOk(Path cgroup, Uid as) {
        AtomicReference<CliResult> last = new AtomicReference<>();
        try {
            return Poll.value(timeout, "a successful fetch in " + cgroup, () -> {
                CliResult r = fetch(cgroup, as);
                last.set(r);
                return r.exit() == 0 ? r : null;
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last attempt: " + last.get() + "\n" + agent.process().tails(), e);
        }
    }

    /** The SPIFFE IDs of a successful fetch's SVIDs; fails on a failed one. */
    public static List<String> ids(CliResult r) {
        if (r.exit() != 0) {
            throw new AssertionError("fetch failed: " + r);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode s : r.json().get("svids")) {
            out.add(s.get("spiffe_id").asText());
        }
        return out;
    }

    @Override
    public void close() {
        for (String id : entryIds) {
            server.cli("entry", "delete", "--id", id);
        }
        entryIds.clear();
    }
}
