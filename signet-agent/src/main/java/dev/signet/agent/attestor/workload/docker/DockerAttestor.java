package dev.signet.agent.attestor.workload.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.signet.agent.attestor.workload.AttestationException;
import dev.signet.agent.attestor.workload.Caller;
import dev.signet.agent.attestor.workload.WorkloadAttestor;
import dev.signet.agent.attestor.workload.cgroup.CgroupException;
import dev.signet.agent.attestor.workload.cgroup.CgroupFile;
import dev.signet.agent.attestor.workload.cgroup.ContainerLocator;
import dev.signet.agent.attestor.workload.cgroup.ContainerRef;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.selector.Selector;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code docker} workload attestor (see the package documentation): the caller's container from its cgroup
 * file, then {@code GET /v<version>/containers/<id>/json} on the Docker Engine's Unix socket.
 */
public final class DockerAttestor implements WorkloadAttestor {
    public static final String NAME = "docker";
    /** Largest inspect answer accepted. */
    static final int MAX_BODY_BYTES = 4 * 1024 * 1024;
    private static final Logger log = LoggerFactory.getLogger(DockerAttestor.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DockerConfig config;
    private final CgroupFile cgroups;

    public static DockerAttestor fromConfig(ConfigBlock block) {
        return new DockerAttestor(DockerConfig.from(block), Path.of("/proc"));
    }

    /** {@code procRoot} replaces {@code /proc} (tests). */
    public DockerAttestor(DockerConfig config, Path procRoot) {
        this.config = config;
        this.cgroups = new CgroupFile(procRoot);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Selector> attest(Caller caller) throws AttestationException {
        Optional<ContainerRef> ref;
        try {
            ref = ContainerLocator.locate(cgroups.read(caller.pid()));
        } catch (CgroupException e) {
            throw new AttestationException(NAME, "process " + caller.pid() + ": " + e.getMessage(), e);
        }
        if (ref.isEmpty()) {
            return List.of(); // not in a container
        }
        String id = ref.get().containerId();
        JsonNode container = inspect(id);
        return selectors(container, id);
    }

    private JsonNode inspect(String id) throws AttestationException {
        String target = (config.apiVersion().isEmpty() ? "" : "/v" + config.apiVersion()) + "/containers/" + id + "/json";
        String where = "the Docker engine at " + config.socket();
        IOException last = null;
        for (int attempt = 1; attempt <= config.inspectAttempts(); attempt++) {
            if (attempt > 1) {
                try {
                    Thread.sleep(config.inspectRetryInterval().toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AttestationException(NAME, "container " + id + ": interrupted while inspecting it", e);
                }
            }
            UnixHttp.Response r;
            try {
                r = UnixHttp.get(config.socket(), target, DockerConfig.REQUEST_TIMEOUT, MAX_BODY_BYTES);
            } catch (IOException e) {
                last = e;
                log.debug("docker: inspect {} attempt {} failed: {}", id, attempt, e.getMessage());
                continue;
            }
            if (r.status() == 200) {
                try {
                    JsonNode n = JSON.readTree(r.body());
                    if (n == null || !n.isObject()) {
                        throw new AttestationException(NAME, "container " + id + ": " + where + " answered with something other than a JSON object");
                    }
                    return n;
                } catch (JsonProcessingException e) {
                    throw new AttestationException(NAME, "container " + id + ": " + where + " answered with malformed JSON: " + e.getOriginalMessage(), e);
                } catch (IOException e) {
                    throw new AttestationException(NAME, "container " + id + ": cannot read the answer of " + where + ": " + e.getMessage(), e);
                }
            }
            String message = engineMessage(r);
            if (r.status() == 404) {
                throw new AttestationException(NAME, "container " + id + " not found by " + where + message);
            }
            if (r.status() >= 500) {
                last = new IOException(where + " answered HTTP " + r.status() + message);
                continue;
            }
            throw new AttestationException(NAME, "container " + id + ": " + where + " answered HTTP " + r.status() + message);
        }
        throw new AttestationException(NAME, "container " + id + ": cannot inspect it at " + where + " after " + config.inspectAttempts()
                + " attempts: " + (last == null ? "no answer" : last.getMessage()), last);
    }

    /** {@code ": <message>"} from the engine's {@code {"message": ...}} error body, or "". */
    private static String engineMessage(UnixHttp.Response r) {
        try {
            JsonNode n = JSON.readTree(r.body());
            if (n != null && n.path("message").isTextual()) {
                String m = n.path("message").asText().replaceAll("\\p{Cntrl}", " ");
                return " (" + (m.length() > 200 ? m.substring(0, 200) + "..." : m) + ")";
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: no message
        }
        return "";
    }

    private List<Selector> selectors(JsonNode container, String id) throws AttestationException {
        String answeredId = container.path("Id").asText("");
        if (!answeredId.equalsIgnoreCase(id)) {
            throw new AttestationException(NAME, "container " + id + ": the Docker engine answered for another container (Id \""
                    + (answeredId.length() > 80 ? answeredId.substring(0, 80) + "..." : answeredId) + "\")");
        }
        JsonNode cfg = container.path("Config");
        Set<String> values = new LinkedHashSet<>();
        JsonNode labels = cfg.path("Labels");
        if (labels.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> l = it.next();
                values.add("label:" + l.getKey() + ":" + (l.getValue().isValueNode() ? l.getValue().asText() : l.getValue().toString()));
            }
        }
        String image = cfg.path("Image").asText("");
        if (!image.isEmpty()) {
            values.add("image_id:" + image);
        }
        JsonNode env = cfg.path("Env");
        if (env.isArray() && !config.envAllowList().isEmpty()) {
            for (JsonNode e : env) {
                String kv = e.asText("");
                int eq = kv.indexOf('=');
                String name = eq < 0 ? kv : kv.substring(0, eq);
                if (eq > 0 && config.envAllowList().contains(name)) {
                    values.add("env:" + kv);
                }
            }
        }
        List<Selector> out = new ArrayList<>();
        for (String v : values) {
            try {
                out.add(new Selector(NAME, v));
            } catch (IllegalArgumentException e) {
                // A label or variable that cannot be a selector (control characters, too long) is left out: a missing
                // selector can only match fewer entries. Its value is not logged (it may be a secret).
                log.warn("docker: container {}: a {} cannot be a selector: {}", id, v.substring(0, v.indexOf(':')), e.getMessage());
            }
        }
        return List.copyOf(out);
    }
}
