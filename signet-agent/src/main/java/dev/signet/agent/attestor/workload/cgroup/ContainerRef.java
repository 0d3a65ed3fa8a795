package dev.signet.agent.attestor.workload.cgroup;

import java.util.Objects;
import java.util.Optional;

/**
 * The container a process runs in: its 64-hex container ID as the runtime names it, and the Kubernetes pod UID
 * (with dashes) when the cgroup path names one.
 */
public record ContainerRef(String containerId, Optional<String> podUid) {
    public ContainerRef {
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(podUid, "podUid");
    }

    @Override
    public String toString() {
        return "container " + containerId + podUid.map(p -> " in pod " + p).orElse("");
    }
}
