package dev.signet.agent.attestor.workload.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table-driven: real-world cgroup files (v1, v2, systemd and cgroupfs drivers, several runtimes) and malformed ones. */
class ContainerLocatorTest {
    private static final String CID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final String CID2 = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
    private static final String HOST_CID = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
    private static final String UID = "2c48913c-b29f-11e7-9350-020968147796";
    private static final String UID_US = UID.replace('-', '_');
    private static final String UID2 = "9d3a1e5b-0c4f-4a7e-8b21-5f6e7d8c9b0a";

    static Stream<Arguments> files() {
        return Stream.of(
                Arguments.of("cgroup v1, cgroupfs driver, docker (kubelet)", """
                        12:hugetlb:/kubepods/burstable/pod%1$s/%2$s
                        11:pids:/kubepods/burstable/pod%1$s/%2$s
                        10:memory:/kubepods/burstable/pod%1$s/%2$s
                        2:cpu,cpuacct:/kubepods/burstable/pod%1$s/%2$s
                        1:name=systemd:/kubepods/burstable/pod%1$s/%2$s
                        """.formatted(UID, CID), CID, UID),
                Arguments.of("cgroup v1, guaranteed QoS has no class directory", """
                        11:pids:/kubepods/pod%1$s/%2$s
                        1:name=systemd:/kubepods/pod%1$s/%2$s
                        """.formatted(UID, CID), CID, UID),
                Arguments.of("cgroup v1, systemd driver, docker scope, uid with underscores", """
                        11:pids:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%1$s.slice/docker-%2$s.scope
                        1:name=systemd:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%1$s.slice/docker-%2$s.scope
                        """.formatted(UID_US, CID), CID, UID),
                Arguments.of("cgroup v2, systemd driver, containerd", """
                        0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod%1$s.slice/cri-containerd-%2$s.scope
                        """.formatted(UID_US, CID), CID, UID),
                Arguments.of("cgroup v2, systemd driver, CRI-O", """
                        0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%1$s.slice/crio-%2$s.scope
                        """.formatted(UID_US, CID), CID, UID),
                Arguments.of("cgroup v2, CRI-O conmon-less container with a sub-cgroup", """
                        0::/kubepods.slice/kubepods-pod%1$s.slice/crio-%2$s.scope/container
                        """.formatted(UID_US, CID), CID, UID),
                Arguments.of("containerd v1 systemd-style path in one segment", """
                        11:pids:/kubepods-besteffort-pod%1$s.slice:cri-containerd:%2$s
                        1:name=systemd:/kubepods-besteffort-pod%1$s.slice:cri-containerd:%2$s
                        """.formatted(UID_US, CID), CID, UID),
                Arguments.of("cgroup v2 in a cgroup namespace: relative path", """
                        0::/../../pod%1$s/%2$s
                        """.formatted(UID, CID), CID, UID),
                Arguments.of("cgroup v2 in a cgroup namespace: CRI-O scope only", """
                        0::/../crio-%s.scope
                        """.formatted(CID), CID, null),
                Arguments.of("plain docker, cgroup v1", """
                        12:perf_event:/docker/%1$s
                        11:pids:/docker/%1$s
                        2:cpu,cpuacct:/docker/%1$s
                        1:name=systemd:/docker/%1$s
                        0::/system.slice/containerd.service
                        """.formatted(CID), CID, null),
                Arguments.of("docker, systemd cgroup driver, cgroup v2", """
                        0::/system.slice/docker-%s.scope
                        """.formatted(CID), CID, null),
                Arguments.of("docker with an init sub-cgroup after the container", """
                        0::/system.slice/docker-%s.scope/init.scope
                        """.formatted(CID), CID, null),
                Arguments.of("podman rootless", """
                        0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-%s.scope/container
                        """.formatted(CID), CID, null),
                Arguments.of("kind on docker, v1: the host container ID precedes the pod on every line", """
                        11:pids:/docker/%1$s/kubepods/besteffort/pod%2$s/%3$s
                        1:name=systemd:/docker/%1$s/kubepods/besteffort/pod%2$s/%3$s
                        """.formatted(HOST_CID, UID, CID), CID, UID),
                Arguments.of("kind on docker: a host-container-only line before the pod lines is overridden", """
                        12:freezer:/docker/%1$s
                        11:pids:/docker/%1$s/kubelet/kubepods/besteffort/pod%2$s/%3$s
                        0::/
                        """.formatted(HOST_CID, UID, CID), CID, UID),
                Arguments.of("kind on docker: a host-container-only line after the pod lines is ignored", """
                        11:pids:/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod%2$s.slice/cri-containerd-%3$s.scope
                        0::/system.slice/docker-%1$s.scope
                        """.formatted(HOST_CID, UID_US, CID), CID, UID),
                Arguments.of("uppercase hex container ID is accepted as written", """
                        0::/docker/%s
                        """.formatted(CID.toUpperCase()), CID.toUpperCase(), null),
                Arguments.of("a host process: cgroup v1 and v2 roots", """
                        12:pids:/
                        4:memory:/user.slice/user-0.slice/session-3.scope
                        1:name=systemd:/user.slice/user-0.slice/session-3.scope
                        0::/user.slice/user-0.slice/session-3.scope
                        """, null, null),
                Arguments.of("a host process in a systemd service", """
                        0::/system.slice/containerd.service
                        """, null, null),
                Arguments.of("a pod-level cgroup without a container names no container", """
                        0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%s.slice
                        """.formatted(UID_US), null, null),
                Arguments.of("63 or 65 hex digits are not a container ID", """
                        0::/docker/%s
                        1:pids:/docker/%s
                        """.formatted(CID.substring(1), CID + "a"), null, null),
                Arguments.of("an ID glued to word characters is not a container ID", """
                        0::/docker/x%s
                        1:pids:/docker/%s_1
                        """.formatted(CID, CID), null, null),
                Arguments.of("'kubepods<uid>' is not a pod UID (no word boundary before pod)", """
                        0::/kubepods%s/%s
                        """.formatted(UID, CID), CID, null),
                Arguments.of("the same container on every line, empty trailing lines", "11:pids:/docker/" + CID + "\n\n1:cpu:/docker/" + CID + "\n\n",
                        CID, null),
                Arguments.of("empty file", "", null, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void locates(String description, String file, String containerId, String podUid) throws Exception {
        Optional<ContainerRef> ref = ContainerLocator.locate(CgroupFile.parse(file));
        if (containerId == null) {
            assertThat(ref).as(description).isEmpty();
        } else {
            assertThat(ref).as(description).contains(new ContainerRef(containerId, Optional.ofNullable(podUid)));
        }
    }

    static Stream<Arguments> conflicting() {
        return Stream.of(
                Arguments.of("two containers without pods", """
                        11:pids:/docker/%s
                        0::/docker/%s
                        """.formatted(CID, CID2), "multiple container IDs found: " + CID),
                Arguments.of("two pods", """
                        11:pids:/kubepods/burstable/pod%s/%s
                        0::/kubepods/burstable/pod%s/%s
                        """.formatted(UID, CID, UID2, CID), "multiple pod UIDs found: " + UID),
                Arguments.of("one pod, two containers", """
                        11:pids:/kubepods/burstable/pod%s/%s
                        0::/kubepods/burstable/pod%s/%s
                        """.formatted(UID, CID, UID, CID2), "multiple container IDs found: " + CID + " (in \"11:pids:"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("conflicting")
    void conflictingLinesAreAnError(String description, String file, String message) {
        assertThatThrownBy(() -> ContainerLocator.locate(CgroupFile.parse(file)))
                .as(description)
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining(message);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("11:pids/docker", "line 1 \"11:pids/docker\": expected hierarchy-ID:controllers:path"),
                Arguments.of("0::/\nrubbish", "line 2 \"rubbish\": expected hierarchy-ID:controllers:path"),
                Arguments.of("x:pids:/docker", "line 1 \"x:pids:/docker\": hierarchy ID \"x\" is not a number"),
                Arguments.of("-1::/", "hierarchy ID \"-1\" is not a number"),
                Arguments.of(":cpu:/", "hierarchy ID \"\" is not a number"),
                Arguments.of("99999999999::/", "hierarchy ID \"99999999999\" is not a number"),
                Arguments.of("1:cpu\u0000:/\n0", "line 2 \"0\": expected"),
                Arguments.of("\u0007bell", "line 1 \"\\x07bell\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedLinesAreAClearError(String file, String message) {
        assertThatThrownBy(() -> CgroupFile.parse(file)).isInstanceOf(CgroupException.class).hasMessageContaining(message);
    }

    @Test
    void pathsKeepTheirColons() throws Exception {
        List<CgroupLine> lines = CgroupFile.parse("1:name=systemd:/a:b:c\n0::/\n");
        assertThat(lines).containsExactly(new CgroupLine(1, "name=systemd", "/a:b:c"), new CgroupLine(0, "", "/"));
    }

    @Test
    void readsFromAProcRootAndNamesTheFileOnErrors(@TempDir Path proc) throws Exception {
        Files.createDirectories(proc.resolve("42"));
        Files.writeString(proc.resolve("42/cgroup"), "0::/system.slice/docker-" + CID + ".scope\n");
        CgroupFile file = new CgroupFile(proc);
        assertThat(ContainerLocator.locate(file.read(42))).contains(new ContainerRef(CID, Optional.empty()));

        assertThatThrownBy(() -> file.read(43)).isInstanceOf(CgroupException.class).hasMessageContaining("process 43 not found");

        Files.createDirectories(proc.resolve("44"));
        Files.writeString(proc.resolve("44/cgroup"), "garbage\n");
        assertThatThrownBy(() -> file.read(44)).isInstanceOf(CgroupException.class)
                .hasMessage("malformed " + proc.resolve("44/cgroup") + ": line 1 \"garbage\": expected hierarchy-ID:controllers:path");

        Files.createDirectories(proc.resolve("45"));
        Files.write(proc.resolve("45/cgroup"), new byte[CgroupFile.MAX_BYTES + 1]);
        assertThatThrownBy(() -> file.read(45)).isInstanceOf(CgroupException.class).hasMessageContaining("is larger than");
    }

    @Test
    void readsThisProcessFromTheRealProc() throws Exception {
        List<CgroupLine> lines = new CgroupFile(Path.of("/proc")).read((int) ProcessHandle.current().pid());
        assertThat(lines).isNotEmpty();
        // Whatever this JVM runs in, the real file parses and locating does not fail.
        ContainerLocator.locate(lines);
    }
}
