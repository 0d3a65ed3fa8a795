package dev.signet.agent.attestor.workload;

import dev.signet.agent.attestor.workload.unix.UnixAttestor;
import dev.signet.agent.config.AgentConfig;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** The workload attestors an agent runs, built from its {@code workload_attestor "<name>" { ... }} blocks. */
public final class WorkloadAttestors {
    /** Names of the built-in workload attestors. */
    public static final List<String> BUILT_IN = List.of("unix", "k8s", "docker");

    private WorkloadAttestors() {}

    /**
     * The {@code unix} attestor (always on) plus one per configured block.
     *
     * @throws ConfigException naming the block when it names an unknown attestor or is invalid
     */
    public static List<WorkloadAttestor> create(AgentConfig config) {
        List<WorkloadAttestor> out = new ArrayList<>();
        out.add(new UnixAttestor(config.unixAttestor()));
        for (Map.Entry<String, ConfigBlock> e : config.workloadAttestors().entrySet()) {
            out.add(create(e.getKey(), e.getValue()));
        }
        return List.copyOf(out);
    }

    private static WorkloadAttestor create(String name, ConfigBlock block) {
        switch (name) {
            // one case per built-in attestor: case "<name>" -> { return <Attestor>.fromConfig(block, ...); }
            case "k8s" -> {
                return dev.signet.agent.attestor.workload.k8s.K8sAttestor.fromConfig(block);
            }
            case "docker" -> {
                return dev.signet.agent.attestor.workload.docker.DockerAttestor.fromConfig(block);
            }
            default -> throw new ConfigException("workload_attestor \"" + name + "\": unknown workload attestor (built in: "
                    + new TreeSet<>(BUILT_IN) + ")");
        }
    }
}
