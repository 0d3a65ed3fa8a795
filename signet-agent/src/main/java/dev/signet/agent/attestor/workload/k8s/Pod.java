package dev.signet.agent.attestor.workload.k8s;

import java.util.List;
import java.util.Map;

/**
 * The parts of a {@code v1.Pod} the attestor uses, as the kubelet's {@code /pods} reports them. Absent strings
 * are empty, absent lists and maps empty.
 */
record Pod(
        String uid,
        String name,
        String namespace,
        Map<String, String> labels,
        List<Owner> owners,
        String nodeName,
        String serviceAccountName,
        List<ContainerStatus> containerStatuses,
        List<ContainerStatus> initContainerStatuses) {

    /** {@code metadata.ownerReferences[]}. */
    record Owner(String kind, String name, String uid) {}

    /**
     * {@code status.containerStatuses[]} or {@code initContainerStatuses[]}: {@code containerID} is a URL such as
     * {@code containerd://<id>} (empty until the container was created).
     */
    record ContainerStatus(String name, String image, String imageId, String containerId) {
        /** The host part of {@code containerID} ({@code <id>} of {@code containerd://<id>}), or "" if there is none. */
        String runtimeId() {
            int sep = containerId.indexOf("://");
            return sep < 0 ? containerId : containerId.substring(sep + 3);
        }
    }

    @Override
    public String toString() {
        return namespace + "/" + name + " (uid " + uid + ")";
    }
}
