package dev.signet.agent.attestor.workload.k8s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses the kubelet's {@code GET /pods} answer, a {@code v1.PodList}, leniently about fields it does not use. */
final class PodListParser {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PodListParser() {}

    /** @throws IOException with a message saying what is wrong with the document */
    static List<Pod> parse(byte[] body) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IOException("the answer is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IOException("the answer is not a JSON object");
        }
        String kind = root.path("kind").asText("");
        if (!kind.isEmpty() && !kind.equals("PodList")) {
            throw new IOException("expected a PodList, got kind \"" + kind + "\"");
        }
        JsonNode items = root.get("items");
        if (items == null || items.isNull()) {
            return List.of(); // a node without pods: Go encodes the empty slice as null
        }
        if (!items.isArray()) {
            throw new IOException("PodList items is not an array");
        }
        List<Pod> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            JsonNode p = items.get(i);
            if (!p.isObject()) {
                throw new IOException("PodList items[" + i + "] is not an object");
            }
            JsonNode meta = p.path("metadata");
            JsonNode spec = p.path("spec");
            JsonNode status = p.path("status");
            List<Pod.Owner> owners = new ArrayList<>();
            for (JsonNode o : array(meta, "ownerReferences", i)) {
                owners.add(new Pod.Owner(text(o, "kind"), text(o, "name"), text(o, "uid")));
            }
            out.add(new Pod(text(meta, "uid"), text(meta, "name"), text(meta, "namespace"), labels(meta, i), List.copyOf(owners),
                    text(spec, "nodeName"), text(spec, "serviceAccountName"),
                    statuses(status, "containerStatuses", i), statuses(status, "initContainerStatuses", i)));
        }
        return List.copyOf(out);
    }

    private static List<Pod.ContainerStatus> statuses(JsonNode status, String field, int pod) throws IOException {
        List<Pod.ContainerStatus> out = new ArrayList<>();
        for (JsonNode c : array(status, field, pod)) {
            out.add(new Pod.ContainerStatus(text(c, "name"), text(c, "image"), text(c, "imageID"), text(c, "containerID")));
        }
        return List.copyOf(out);
    }

    private static List<JsonNode> array(JsonNode parent, String field, int pod) throws IOException {
        JsonNode a = parent.get(field);
        if (a == null || a.isNull()) {
            return List.of();
        }
        if (!a.isArray()) {
            throw new IOException("PodList items[" + pod + "]: " + field + " is not an array");
        }
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode n : a) {
            if (!n.isObject()) {
                throw new IOException("PodList items[" + pod + "]: " + field + " holds a non-object");
            }
            out.add(n);
        }
        return out;
    }

    private static Map<String, String> labels(JsonNode meta, int pod) throws IOException {
        JsonNode l = meta.get("labels");
        if (l == null || l.isNull()) {
            return Map.of();
        }
        if (!l.isObject()) {
            throw new IOException("PodList items[" + pod + "]: metadata.labels is not an object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = l.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString());
        }
        return out;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() || !v.isValueNode() ? "" : v.asText();
    }
}
