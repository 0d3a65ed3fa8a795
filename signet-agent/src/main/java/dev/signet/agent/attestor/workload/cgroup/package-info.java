/**
 * Which container, and which Kubernetes pod, a process runs in — read from {@code /proc/<pid>/cgroup} only.
 *
 * <p><b>Parsing</b> ({@link dev.signet.agent.attestor.workload.cgroup.CgroupFile}): every line is
 * {@code hierarchy-ID:controller-list:cgroup-path}, split at the first two colons (a path may contain colons).
 * cgroup v1 has one line per hierarchy; cgroup v2 has the single line {@code 0::/path}, whose path is relative
 * (it may start with {@code /..}) when the process is in another cgroup namespace than the reader. A line with
 * fewer than three fields or a non-numeric hierarchy ID is an error naming the line.
 *
 * <p><b>Locating</b> ({@link dev.signet.agent.attestor.workload.cgroup.ContainerLocator}), per path: walk its
 * {@code /}-separated segments from the last one backwards until one holds a container ID (64 hex digits as a
 * word of their own: {@code <cid>}, {@code docker-<cid>.scope}, {@code cri-containerd-<cid>.scope},
 * {@code crio-<cid>.scope}, {@code ...slice:cri-containerd:<cid>}); then keep walking backwards, starting with
 * what precedes the ID in that segment, for a pod UID ({@code pod<uid>}, with dashes, or with underscores as
 * the systemd cgroup driver writes it: {@code kubepods-burstable-pod<uid_with_underscores>.slice}; underscores
 * become dashes). Lines are then combined: a line with a pod UID overrides earlier lines without one (kind on
 * Docker: the host's container ID shows on other lines than the pod's), a line without a pod UID is ignored
 * once one is known, and two different pod UIDs or container IDs are an error. No container ID at all means
 * the process is not in a container.
 *
 * <p><b>Never {@code /proc/<pid>/mountinfo}.</b> The workload controls its own mount namespace: it can mount
 * a cgroup filesystem at any path, or a tmpfs with made-up directory names, and make its mountinfo name any
 * container. Only the kernel writes {@code /proc/<pid>/cgroup}, and moving a process to another cgroup needs
 * write access to that cgroup's {@code cgroup.procs}, which a container does not have for other pods'
 * cgroups. (SPIRE falls back to mountinfo when the cgroup file names no container; Signet does not: such a
 * process simply gets no container selectors.)
 *
 * <p>{@code /proc} is a constructor parameter of {@link dev.signet.agent.attestor.workload.cgroup.CgroupFile}
 * so tests can point it at fixtures. Reading is by PID only: the attestation's liveness check after the
 * attestors ran is what ties the facts to the caller, so attestors must read the file inside
 * {@code attest()}.
 */
package dev.signet.agent.attestor.workload.cgroup;
