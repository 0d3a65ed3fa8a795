package dev.signet.agent.attestor.workload.k8s;

import java.io.IOException;
import java.util.List;

/** Where pod lists come from: the kubelet ({@link KubeletClient}). The message of a failure says what went wrong. */
interface PodSource {
    List<Pod> pods() throws IOException;
}
