package dev.signet.it.harness;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;

/** Agent records as {@code signet agent list} shows them, for the node attestation tests. */
public final class AgentRecords {
    private AgentRecords() {}

    /** The record of {@code agentId}; fails, showing the whole list, when the server has none. */
    public static JsonNode find(SignetServer server, String agentId) {
        JsonNode agents = server.agents();
        return StreamSupport.stream(agents.spliterator(), false).filter(a -> a.get("spiffe_id").asText().equals(agentId)).findFirst()
                .orElseThrow(() -> new AssertionError("agent " + agentId + " not in agent list: " + agents));
    }

    /** A record's selectors as {@code type:value} strings. */
    public static List<String> selectors(JsonNode record) {
        List<String> out = new ArrayList<>();
        record.get("selectors").forEach(n -> out.add(n.isTextual() ? n.asText() : n.get("type").asText() + ":" + n.get("value").asText()));
        return out;
    }
}
