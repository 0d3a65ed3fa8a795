package dev.signet.server.catalog;

import dev.signet.core.registration.Entry;
import dev.signet.proto.agent.v1.ActiveIdentity;
import dev.signet.proto.agent.v1.AgentApiGrpc;
import dev.signet.proto.agent.v1.ReportActiveRequest;
import dev.signet.proto.agent.v1.ReportActiveResponse;
import dev.signet.server.api.agent.AgentAuthenticator;
import dev.signet.server.authorization.EntryCache;
import dev.signet.server.store.AgentRecord;
import dev.signet.server.store.StoreException;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code AgentApi.ReportActive}: stores the calling agent's active identities in {@link CatalogState} (and so in the
 * datastore; a datastore failure is UNAVAILABLE, which the agent retries at its next report). Only
 * identities of entries authorized for the agent, with the entry's SPIFFE ID, are kept: an agent cannot claim
 * to serve what it may not mint. Installed into the agent API's service definition by {@link #install}, so the
 * agent API service itself stays unchanged.
 */
public final class ReportActiveHandler {
    private static final Logger log = LoggerFactory.getLogger(ReportActiveHandler.class);
    /** Most identities kept from one report. */
    static final int MAX_IDENTITIES = 10_000;

    private final EntryCache entries;
    private final CatalogState state;

    public ReportActiveHandler(EntryCache entries, CatalogState state) {
        this.entries = entries;
        this.state = state;
    }

    void reportActive(ReportActiveRequest req, StreamObserver<ReportActiveResponse> out) {
        AgentRecord agent = AgentAuthenticator.AGENT.get();
        if (agent == null) {
            out.onError(Status.UNAUTHENTICATED.withDescription("agent SVID required").asRuntimeException());
            return;
        }
        Map<String, Entry> authorized = entries.authorizedFor(agent.id(), agent.selectors()).stream()
                .collect(Collectors.toMap(Entry::id, Function.identity(), (a, b) -> a));
        List<CatalogState.Active> kept = new ArrayList<>();
        for (ActiveIdentity a : req.getIdentitiesList()) {
            Entry e = authorized.get(a.getEntryId());
            if (e == null || !e.spiffeId().toString().equals(a.getSpiffeId()) || a.getWorkloads() < 0 || kept.size() >= MAX_IDENTITIES) {
                continue;
            }
            kept.add(new CatalogState.Active(e.id(), e.spiffeId(), a.getWorkloads()));
        }
        kept.sort((x, y) -> x.entryId().compareTo(y.entryId()));
        java.net.SocketAddress remote = AgentAuthenticator.REMOTE_ADDRESS.get();
        String address = remote instanceof java.net.InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : "";
        try {
            state.report(agent.id(), kept, address);
        } catch (StoreException e) {
            log.warn("storing the catalog report of {} failed: {}", agent.id(), e.getMessage());
            out.onError(Status.UNAVAILABLE.withDescription("datastore: " + e.getMessage()).asRuntimeException());
            return;
        }
        out.onNext(ReportActiveResponse.getDefaultInstance());
        out.onCompleted();
    }

    /** {@code agentApi} with its ReportActive method answered by this handler. */
    @SuppressWarnings("unchecked")
    public ServerServiceDefinition install(ServerServiceDefinition agentApi) {
        String name = AgentApiGrpc.getReportActiveMethod().getFullMethodName();
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(agentApi.getServiceDescriptor());
        for (ServerMethodDefinition<?, ?> m : agentApi.getMethods()) {
            if (!m.getMethodDescriptor().getFullMethodName().equals(name)) {
                b.addMethod(m);
            }
        }
        b.addMethod(AgentApiGrpc.getReportActiveMethod(), ServerCalls.asyncUnaryCall(this::reportActive));
        return b.build();
    }
}
