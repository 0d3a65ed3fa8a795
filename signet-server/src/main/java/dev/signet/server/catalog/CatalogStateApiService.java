package dev.signet.server.catalog;

import dev.signet.core.catalog.ServiceDefinition;
import dev.signet.proto.catalogstate.v1.CatalogStateApiGrpc;
import dev.signet.proto.catalogstate.v1.GetServiceRequest;
import dev.signet.proto.catalogstate.v1.ListNodesRequest;
import dev.signet.proto.catalogstate.v1.ListNodesResponse;
import dev.signet.proto.catalogstate.v1.ListServicesRequest;
import dev.signet.proto.catalogstate.v1.ListServicesResponse;
import dev.signet.proto.catalogstate.v1.Node;
import dev.signet.proto.catalogstate.v1.NodeIdentity;
import dev.signet.proto.catalogstate.v1.ServiceInstance;
import dev.signet.proto.catalogstate.v1.ServiceState;
import dev.signet.server.api.UnaryCalls;
import dev.signet.server.store.StoreException;
import io.grpc.stub.StreamObserver;

/** The catalog state API on the admin socket: which nodes serve which services, from {@link CatalogView}. */
public final class CatalogStateApiService extends CatalogStateApiGrpc.CatalogStateApiImplBase {
    private final CatalogView view;

    public CatalogStateApiService(CatalogView view) {
        this.view = view;
    }

    @Override
    public void listServices(ListServicesRequest req, StreamObserver<ListServicesResponse> out) {
        UnaryCalls.respond(out, () -> {
            ListServicesResponse.Builder b = ListServicesResponse.newBuilder();
            view.services().forEach(s -> b.addServices(toProto(s)));
            return b.build();
        });
    }

    @Override
    public void getService(GetServiceRequest req, StreamObserver<ServiceState> out) {
        UnaryCalls.respond(out, () -> {
            if (req.getName().isEmpty()) {
                throw new IllegalArgumentException("name: the service name is required");
            }
            ServiceDefinition.Key key = new ServiceDefinition.Key(req.getPartition(), req.getNamespace(), req.getDatacenter(),
                    req.getName());
            return view.services(key.name(), key.namespace(), key.partition(), key.datacenter()).stream().findFirst()
                    .map(CatalogStateApiService::toProto)
                    .orElseThrow(() -> new StoreException.NotFound("service " + key.describe() + " not found"));
        });
    }

    @Override
    public void listNodes(ListNodesRequest req, StreamObserver<ListNodesResponse> out) {
        UnaryCalls.respond(out, () -> {
            ListNodesResponse.Builder b = ListNodesResponse.newBuilder();
            for (CatalogView.Node n : view.nodes()) {
                Node.Builder nb = Node.newBuilder().setSpiffeId(n.agent().id().toString()).setReporting(n.report() != null);
                n.agent().selectors().forEach(s -> nb.addSelectors(s.type() + ":" + s.value()));
                if (n.report() != null) {
                    nb.setLastSeenUnix(n.report().at().getEpochSecond());
                    n.report().identities().forEach(a -> nb.addIdentities(NodeIdentity.newBuilder()
                            .setEntryId(a.entryId()).setSpiffeId(a.spiffeId().toString()).setWorkloads(a.workloads())));
                }
                b.addNodes(nb);
            }
            return b.build();
        });
    }

    static ServiceState toProto(CatalogView.ServiceState s) {
        var d = s.service().definition();
        ServiceState.Builder b = ServiceState.newBuilder().setName(d.name()).setNamespace(d.namespace())
                .setPartition(d.partition()).setDatacenter(d.datacenter()).setSpiffeId(s.service().spiffeId().toString())
                .addAllTags(d.tags()).setPort(d.port());
        s.instances().forEach(i -> b.addInstances(ServiceInstance.newBuilder().setNode(i.node().toString())
                .setWorkloads(i.workloads()).setLastSeenUnix(i.lastSeen().getEpochSecond())));
        return b.build();
    }
}
