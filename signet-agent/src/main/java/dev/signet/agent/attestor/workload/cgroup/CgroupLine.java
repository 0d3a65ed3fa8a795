package dev.signet.agent.attestor.workload.cgroup;

/** One line of {@code /proc/<pid>/cgroup}: {@code hierarchyId:controllers:path} (controllers empty on cgroup v2). */
public record CgroupLine(int hierarchyId, String controllers, String path) {}
