package dev.signet.agent.attestor.workload.k8s;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code k8s} workload attestor (see the package documentation): the caller's container and pod from its
 * cgroup file, the pod's facts from the kubelet, selectors as SPIRE's.
 */
public final class K8sAttestor implements WorkloadAttestor {
    public static final String NAME = "k8s";
    private static final Logger log = LoggerFactory.getLogger(K8sAttestor.class);

    private final K8sConfig config;
    private final CgroupFile cgroups;
    private final PodListCache pods;
    private final String source;

    /** From the config block, against the real {@code /proc}, kubelet and clock. */
    public static K8sAttestor fromConfig(ConfigBlock block) {
        K8sConfig config = K8sConfig.from(block, System.getenv(), hostname());
        Clock clock = Clock.systemUTC();
        return new K8sAttestor(config, new CgroupFile(Path.of("/proc")), new KubeletClient(config, clock), clock, PodListCache.Sleeper.REAL);
    }

    /** With a real kubelet client; {@code procRoot} and time injectable. */
    public K8sAttestor(K8sConfig config, Path procRoot, Clock clock) {
        this(config, new CgroupFile(procRoot), new KubeletClient(config, clock), clock, PodListCache.Sleeper.REAL);
    }

    K8sAttestor(K8sConfig config, CgroupFile cgroups, PodSource source, Clock clock, PodListCache.Sleeper sleeper) {
        this.config = config;
        this.cgroups = cgroups;
        this.pods = new PodListCache(source, config.pollRetryInterval(), clock, sleeper);
        this.source = source instanceof KubeletClient k ? "the kubelet at " + k.podsUri() : "the kubelet";
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Selector> attest(Caller caller) throws AttestationException {
        Optional<ContainerRef> located;
        try {
            located = ContainerLocator.locate(cgroups.read(caller.pid()));
        } catch (CgroupException e) {
            throw new AttestationException(NAME, "process " + caller.pid() + ": " + e.getMessage(), e);
        }
        if (located.isEmpty()) {
            return List.of(); // not in a container: not a Kubernetes workload
        }
        ContainerRef ref = located.get();
        PodListCache.Snapshot seen = null;
        for (int attempt = 1; attempt <= config.maxPollAttempts(); attempt++) {
            PodListCache.Snapshot snapshot;
            try {
                snapshot = pods.get(seen);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw fail(ref, "interrupted while waiting for the pod list", e);
            }
            List<Pod> list;
            try {
                list = snapshot.podsOrThrow();
            } catch (IOException e) {
                throw fail(ref, e.getMessage(), e);
            }
            Match match = find(list, ref);
            if (match != null) {
                if (attempt > 1) {
                    log.debug("k8s: pid {}: {} found in pod {} at attempt {}", caller.pid(), ref, match.pod, attempt);
                }
                return selectors(match.pod, match.container);
            }
            seen = snapshot;
        }
        Duration waited = config.pollRetryInterval().multipliedBy(config.maxPollAttempts() - 1L);
        throw fail(ref, "no pod on this node has " + ref + " after " + config.maxPollAttempts() + " pod lists over "
                + waited.toMillis() + " ms (max_poll_attempts, poll_retry_interval): the kubelet may not list a new pod yet", null);
    }

    /**
     * A failure for a process in a container: if its cgroup names a pod, it certainly is a Kubernetes workload and
     * the whole attestation fails (UNAVAILABLE, the workload retries) rather than going on without its pod's
     * selectors; without a pod UID it may be a container of another kind, so only this attestor's selectors are
     * dropped.
     */
    private static AttestationException fail(ContainerRef ref, String message, Throwable cause) {
        String text = ref + ": " + message;
        return ref.podUid().isPresent() ? AttestationException.unavailable(NAME, text, cause) : new AttestationException(NAME, text, cause);
    }

    record Match(Pod pod, Pod.ContainerStatus container) {}

    /**
     * The pod and container status of {@code ref}: only the pod with its UID if known; the container by the host part
     * of {@code containerID} among containers and init containers.
     *
     * @throws AttestationException if two pods claim the container
     */
    static Match find(List<Pod> pods, ContainerRef ref) throws AttestationException {
        Match found = null;
        for (Pod pod : pods) {
            if (ref.podUid().isPresent() && !ref.podUid().get().equals(pod.uid())) {
                continue;
            }
            Pod.ContainerStatus status = container(pod, ref.containerId());
            if (status == null) {
                continue;
            }
            if (found != null) {
                throw fail(ref, "two pods list this container: " + found.pod + " and " + pod, null);
            }
            found = new Match(pod, status);
        }
        return found;
    }

    private static Pod.ContainerStatus container(Pod pod, String containerId) {
        for (List<Pod.ContainerStatus> statuses : List.of(pod.containerStatuses(), pod.initContainerStatuses())) {
            for (Pod.ContainerStatus s : statuses) {
                if (!s.containerId().isEmpty() && s.runtimeId().equals(containerId)) {
                    return s;
                }
            }
        }
        return null;
    }

    /** SPIRE's selectors for a pod and the caller's container (reference-spire.md §3.5). */
    static List<Selector> selectors(Pod pod, Pod.ContainerStatus container) {
        Set<String> values = new LinkedHashSet<>();
        add(values, "sa", pod.serviceAccountName());
        add(values, "ns", pod.namespace());
        add(values, "node-name", pod.nodeName());
        add(values, "pod-uid", pod.uid());
        add(values, "pod-name", pod.name());
        values.add("pod-image-count:" + pod.containerStatuses().size());
        values.add("pod-init-image-count:" + pod.initContainerStatuses().size());
        for (Pod.ContainerStatus c : pod.containerStatuses()) {
            add(values, "pod-image", c.image());
            add(values, "pod-image", c.imageId());
        }
        for (Pod.ContainerStatus c : pod.initContainerStatuses()) {
            add(values, "pod-init-image", c.image());
            add(values, "pod-init-image", c.imageId());
        }
        for (Map.Entry<String, String> l : pod.labels().entrySet()) {
            values.add("pod-label:" + l.getKey() + ":" + l.getValue());
        }
        for (Pod.Owner o : pod.owners()) {
            values.add("pod-owner:" + o.kind() + ":" + o.name());
            values.add("pod-owner-uid:" + o.kind() + ":" + o.uid());
        }
        add(values, "container-name", container.name());
        add(values, "container-image", container.image());
        add(values, "container-image", container.imageId());
        List<Selector> out = new ArrayList<>();
        for (String v : values) {
            try {
                out.add(new Selector(NAME, v));
            } catch (IllegalArgumentException e) {
                // The kubelet validates names and labels; whatever still fails (too long, control characters) is left
                // out: a missing selector can only match fewer entries.
                log.warn("k8s: pod {}: no selector for \"{}\": {}", pod, v.length() > 80 ? v.substring(0, 80) + "..." : v, e.getMessage());
            }
        }
        return List.copyOf(out);
    }

    private static void add(Set<String> values, String key, String value) {
        if (value != null && !value.isEmpty()) {
            values.add(key + ":" + value);
        }
    }

    private static String hostname() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException e) {
            // fall through
        }
        return "localhost";
    }
}
