package dev.signet.agent.attestor.workload.k8s;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Realistic kubelet {@code GET /pods} answers: PodList JSON in the shape a kubelet (v1.29, containerd) sends,
 * including the fields the attestor ignores.
 */
final class PodFixtures {
    static final String NODE = "node-a";

    private PodFixtures() {}

    /** A container of a pod: name, image, imageID digest and runtime container ID ("" while it is being created). */
    record C(String name, String image, String imageId, String containerId) {
        static C running(String name, String image, String digest, String cid) {
            return new C(name, image, image.replaceAll(":[^:/]+$", "") + "@sha256:" + digest, "containerd://" + cid);
        }
    }

    /** A pod owned by a ReplicaSet. */
    static String pod(String namespace, String name, String uid, String sa, List<C> containers, List<C> inits, String... labels) {
        String labelJson = "";
        for (int i = 0; i + 1 < labels.length; i += 2) {
            labelJson += (labelJson.isEmpty() ? "" : ",\n          ") + "\"" + labels[i] + "\": \"" + labels[i + 1] + "\"";
        }
        String rs = name.replaceAll("-[a-z0-9]{5}$", "");
        return """
                {
                  "metadata": {
                    "name": "%1$s",
                    "generateName": "%6$s-",
                    "namespace": "%2$s",
                    "uid": "%3$s",
                    "resourceVersion": "48213",
                    "creationTimestamp": "2024-05-02T09:12:44Z",
                    "labels": {
                      %7$s
                    },
                    "annotations": {
                      "kubernetes.io/config.seen": "2024-05-02T09:12:44.117730122Z",
                      "kubernetes.io/config.source": "api"
                    },
                    "ownerReferences": [
                      {
                        "apiVersion": "apps/v1",
                        "kind": "ReplicaSet",
                        "name": "%6$s",
                        "uid": "5b7f3c2e-9d41-4c6a-8f0e-1a2b3c4d5e6f",
                        "controller": true,
                        "blockOwnerDeletion": true
                      }
                    ]
                  },
                  "spec": {
                    "volumes": [
                      {"name": "kube-api-access-x7k2p", "projected": {"sources": [{"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}], "defaultMode": 420}}
                    ],
                    "initContainers": [%8$s],
                    "containers": [%9$s],
                    "restartPolicy": "Always",
                    "terminationGracePeriodSeconds": 30,
                    "dnsPolicy": "ClusterFirst",
                    "serviceAccountName": "%4$s",
                    "serviceAccount": "%4$s",
                    "nodeName": "%5$s",
                    "securityContext": {},
                    "schedulerName": "default-scheduler",
                    "tolerations": [
                      {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
                    ],
                    "priority": 0,
                    "enableServiceLinks": true,
                    "preemptionPolicy": "PreemptLowerPriority"
                  },
                  "status": {
                    "phase": "Running",
                    "conditions": [
                      {"type": "Initialized", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2024-05-02T09:12:44Z"},
                      {"type": "Ready", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2024-05-02T09:12:47Z"}
                    ],
                    "hostIP": "10.0.0.11",
                    "podIP": "10.244.1.17",
                    "podIPs": [{"ip": "10.244.1.17"}],
                    "startTime": "2024-05-02T09:12:44Z",
                    "initContainerStatuses": [%10$s],
                    "containerStatuses": [%11$s],
                    "qosClass": "BestEffort"
                  }
                }""".formatted(name, namespace, uid, sa, NODE, rs, labelJson,
                specs(inits), specs(containers), statuses(inits, true), statuses(containers, false));
    }

    static String podList(String... pods) {
        return """
                {
                  "kind": "PodList",
                  "apiVersion": "v1",
                  "metadata": {},
                  "items": [%s]
                }""".formatted(String.join(",\n", pods));
    }

    private static String specs(List<C> cs) {
        return cs.stream().map(c -> """
                {"name": "%s", "image": "%s", "resources": {}, "terminationMessagePath": "/dev/termination-log",
                 "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent",
                 "volumeMounts": [{"name": "kube-api-access-x7k2p", "readOnly": true, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]}"""
                .formatted(c.name(), c.image())).collect(Collectors.joining(",\n"));
    }

    private static String statuses(List<C> cs, boolean init) {
        return cs.stream().map(c -> {
            String state = c.containerId().isEmpty()
                    ? "{\"waiting\": {\"reason\": \"ContainerCreating\"}}"
                    : init ? "{\"terminated\": {\"exitCode\": 0, \"reason\": \"Completed\", \"startedAt\": \"2024-05-02T09:12:45Z\", \"finishedAt\": \"2024-05-02T09:12:45Z\", \"containerID\": \"" + c.containerId() + "\"}}"
                    : "{\"running\": {\"startedAt\": \"2024-05-02T09:12:46Z\"}}";
            String ids = c.containerId().isEmpty() ? "\"imageID\": \"\"" : "\"imageID\": \"" + c.imageId() + "\", \"containerID\": \"" + c.containerId() + "\"";
            return """
                    {"name": "%s", "state": %s, "lastState": {}, "ready": %s, "restartCount": 0,
                     "image": "%s", %s, "started": %s}""".formatted(c.name(), state, !init && !c.containerId().isEmpty(), c.image(), ids,
                    !init && !c.containerId().isEmpty());
        }).collect(Collectors.joining(",\n"));
    }
}
