package dev.signet.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Sizes and paths of one run; {@link #smoke} gives the tiny sizes the test suite runs. */
final class Options {
    String mode = "full";
    Path repo = Path.of(".").toAbsolutePath().normalize();
    Path work;
    Path signetHome;                 // holds bin/signet (default: the repository)
    Path out;
    Path spireBin;
    String spireError;
    String buildNote;
    String scaleJavaOpts;            // SIGNET_JAVA_OPTS for the scale server only (default: the launcher's)
    String name;                     // results file suffix
    List<Integer> workloads = List.of(1, 100, 1000);
    int samplesPerLevel = 1000;       // x509 first-response samples per concurrency level (at least one round)
    int jwtSamples = 500;
    int jwtUncachedSamples = 200;
    List<Integer> agents = List.of(1, 100, 1000);
    int propagationSamples = 30;
    int spirePropagationSamples = 6;
    int signAgents = 4;
    int signEntriesPerAgent = 500;
    double signSeconds = 10;
    int scaleEntries = 100_000;
    int scaleAgents = 10_000;
    double scaleAgentSeconds = 900;  // budget for connecting the scale agents
    int scaleApiEntries = 2_000;     // scale entries created through the admin API; the rest are seeded
    boolean scale = true;
    boolean profile = true;
    java.util.Set<String> phases = java.util.Set.of("wl", "prop", "sign", "scale", "spire");

    static Options smoke(Path repo, Path work) {
        Options o = new Options();
        o.mode = "smoke";
        o.repo = repo;
        o.work = work;
        o.workloads = List.of(1, 2);
        o.samplesPerLevel = 4;
        o.jwtSamples = 5;
        o.jwtUncachedSamples = 3;
        o.agents = List.of(1, 2);
        o.propagationSamples = 2;
        o.spirePropagationSamples = 1;
        o.signAgents = 2;
        o.signEntriesPerAgent = 5;
        o.signSeconds = 1;
        o.scaleEntries = 50;
        o.scaleAgents = 2;
        o.scaleApiEntries = 20;
        o.profile = false;
        return o;
    }

    static Options parse(String[] args) {
        Options o = new Options();
        for (String a : args) {
            if (a.equals("--smoke")) {
                Options s = smoke(o.repo, o.work);
                s.out = o.out;
                s.spireBin = o.spireBin;
                s.spireError = o.spireError;
                o = s;
                continue;
            }
            int i = a.indexOf('=');
            if (!a.startsWith("--") || i < 0) {
                throw new IllegalArgumentException("expected --key=value, got " + a);
            }
            String k = a.substring(2, i);
            String v = a.substring(i + 1);
            switch (k) {
                case "repo" -> o.repo = Path.of(v).toAbsolutePath().normalize();
                case "signet-home" -> o.signetHome = Path.of(v).toAbsolutePath().normalize();
                case "work" -> o.work = Path.of(v).toAbsolutePath();
                case "out" -> o.out = Path.of(v).toAbsolutePath();
                case "spire-bin" -> o.spireBin = v.isEmpty() ? null : Path.of(v);
                case "spire-error-file" -> o.spireError = read(Path.of(v));
                case "scale-java-opts" -> o.scaleJavaOpts = v;
                case "name" -> o.name = v;
                case "build-note" -> o.buildNote = v;
                case "workloads" -> o.workloads = ints(v);
                case "samples" -> o.samplesPerLevel = Integer.parseInt(v);
                case "agents" -> o.agents = ints(v);
                case "propagation-samples" -> o.propagationSamples = Integer.parseInt(v);
                case "spire-propagation-samples" -> o.spirePropagationSamples = Integer.parseInt(v);
                case "sign-seconds" -> o.signSeconds = Double.parseDouble(v);
                case "scale-entries" -> o.scaleEntries = Integer.parseInt(v);
                case "scale-agent-seconds" -> o.scaleAgentSeconds = Double.parseDouble(v);
                case "scale-api-entries" -> o.scaleApiEntries = Integer.parseInt(v);
                case "scale-agents" -> o.scaleAgents = Integer.parseInt(v);
                case "scale" -> o.scale = Boolean.parseBoolean(v);
                case "phases" -> o.phases = java.util.Set.of(v.split(","));
                case "profile" -> o.profile = Boolean.parseBoolean(v);
                default -> throw new IllegalArgumentException("unknown option --" + k);
            }
        }
        return o;
    }

    private static List<Integer> ints(String v) {
        return Arrays.stream(v.split(",")).map(String::trim).map(Integer::parseInt).toList();
    }

    private static String read(Path p) {
        try {
            return java.nio.file.Files.exists(p) ? java.nio.file.Files.readString(p).trim() : null;
        } catch (java.io.IOException e) {
            return "cannot read " + p + ": " + e;
        }
    }
}
