package dev.signet.server.catalog;

import dev.signet.core.catalog.ServiceDefinition;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.server.store.AgentRecord;
import dev.signet.server.store.AgentStore;
import dev.signet.server.store.RegisteredService;
import dev.signet.server.store.ServiceStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The catalog as clients see it: registered services (the {@link ServiceStore}) joined with the nodes that
 * currently serve them ({@link CatalogState}), and the attested, unbanned agents as nodes.
 */
public final class CatalogView {
    /** A node serving a service: the agent, how many workload streams receive the service's identity, when it reported. */
    public record Instance(SpiffeId node, int workloads, Instant lastSeen, String address) {}

    /** A registered service and the nodes serving it. */
    public record ServiceState(RegisteredService service, List<Instance> instances) {}

    /** An attested agent and its last live report, if any. */
    public record Node(AgentRecord agent, CatalogState.Report report) {}

    private final ServiceStore services;
    private final AgentStore agents;
    private final CatalogState state;

    public CatalogView(ServiceStore services, AgentStore agents, CatalogState state) {
        this.services = services;
        this.agents = agents;
        this.state = state;
    }

    /** Every registered service, ordered by key, with its instances. */
    public List<ServiceState> services() {
        Map<SpiffeId, CatalogState.Report> reports = liveReports();
        return services.list().stream().map(s -> join(s, reports)).toList();
    }

    /** Services with this name, optionally narrowed by namespace, partition and datacenter (null: any). */
    public List<ServiceState> services(String name, String namespace, String partition, String datacenter) {
        Map<SpiffeId, CatalogState.Report> reports = liveReports();
        return services.list().stream()
                .filter(s -> s.definition().name().equals(name))
                .filter(s -> namespace == null || s.definition().namespace().equals(namespace))
                .filter(s -> partition == null || s.definition().partition().equals(partition))
                .filter(s -> datacenter == null || s.definition().datacenter().equals(datacenter))
                .map(s -> join(s, reports)).toList();
    }

    /** Attested, unbanned agents, ordered by SPIFFE ID. */
    public List<Node> nodes() {
        Map<SpiffeId, CatalogState.Report> reports = state.reports();
        return agents.list().stream().filter(a -> !a.banned())
                .sorted((a, b) -> a.id().toString().compareTo(b.id().toString()))
                .map(a -> new Node(a, reports.get(a.id()))).toList();
    }

    public static String datacenter(RegisteredService s) {
        return s.definition().datacenter() == null ? ServiceDefinition.DEFAULT_DATACENTER : s.definition().datacenter();
    }

    /** Reports of agents that are still attested and not banned (an evicted agent's last report is ignored). */
    private Map<SpiffeId, CatalogState.Report> liveReports() {
        Set<SpiffeId> live = new HashSet<>();
        agents.list().stream().filter(a -> !a.banned()).forEach(a -> live.add(a.id()));
        Map<SpiffeId, CatalogState.Report> reports = state.reports();
        reports.keySet().retainAll(live);
        return reports;
    }

    private static ServiceState join(RegisteredService s, Map<SpiffeId, CatalogState.Report> reports) {
        Set<String> entryIds = Set.copyOf(s.entryIds());
        List<Instance> out = new ArrayList<>();
        for (CatalogState.Report r : reports.values()) {
            int workloads = 0;
            boolean serves = false;
            for (CatalogState.Active a : r.identities()) {
                if (entryIds.contains(a.entryId()) && a.spiffeId().equals(s.spiffeId())) {
                    serves = true;
                    workloads += a.workloads();
                }
            }
            if (serves) {
                out.add(new Instance(r.agent(), workloads, r.at(), r.address()));
            }
        }
        return new ServiceState(s, out);
    }
}
