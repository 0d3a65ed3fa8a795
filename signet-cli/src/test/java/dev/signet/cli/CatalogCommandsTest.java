package dev.signet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.signet.cli.testing.CliRunner;
import dev.signet.cli.testing.CliRunner.Result;
import dev.signet.cli.testing.UdsServer;
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
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code signet catalog ...} against a fake CatalogStateApi on a temporary Unix socket. */
class CatalogCommandsTest {
    private static final String NODE = "spiffe://example.org/spire/agent/join_token/n1";
    private static final ServiceState WEB = ServiceState.newBuilder().setName("web").setNamespace("default").setPartition("default")
            .setDatacenter("dc1").setSpiffeId("spiffe://example.org/ns/default/dc/dc1/svc/web").addTags("v1").setPort(8080)
            .addInstances(ServiceInstance.newBuilder().setNode(NODE).setWorkloads(3).setLastSeenUnix(1_700_000_000)).build();

    @TempDir
    Path dir;
    private final FakeCatalogState api = new FakeCatalogState();
    private UdsServer server;
    private Path socket;

    static final class FakeCatalogState extends CatalogStateApiGrpc.CatalogStateApiImplBase {
        final List<Object> requests = new CopyOnWriteArrayList<>();

        @Override
        public void listServices(ListServicesRequest req, StreamObserver<ListServicesResponse> out) {
            out.onNext(ListServicesResponse.newBuilder().addServices(WEB).build());
            out.onCompleted();
        }

        @Override
        public void getService(GetServiceRequest req, StreamObserver<ServiceState> out) {
            requests.add(req);
            if (req.getName().equals("web")) {
                out.onNext(WEB);
                out.onCompleted();
            } else {
                out.onError(Status.NOT_FOUND.withDescription("service " + req.getName() + " not found").asRuntimeException());
            }
        }

        @Override
        public void listNodes(ListNodesRequest req, StreamObserver<ListNodesResponse> out) {
            out.onNext(ListNodesResponse.newBuilder().addNodes(Node.newBuilder().setSpiffeId(NODE).addSelectors("join_token:label:env:prod")
                    .setReporting(true).setLastSeenUnix(1_700_000_000).addIdentities(NodeIdentity.newBuilder()
                            .setEntryId("svc.web.0").setSpiffeId(WEB.getSpiffeId()).setWorkloads(3))).build());
            out.onCompleted();
        }
    }

    @BeforeEach
    void start() throws Exception {
        socket = dir.resolve("server.sock");
        server = UdsServer.start(socket, api);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private Result signet(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--server-socket");
        all.add(socket.toString());
        return CliRunner.run(Map.of(), all.toArray(String[]::new));
    }

    @Test
    void servicesListsNodeAndWorkloadCounts() throws Exception {
        Result r = signet("catalog", "services");
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(r.out()).contains("NAME").contains("web").contains("spiffe://example.org/ns/default/dc/dc1/svc/web");

        Result json = signet("catalog", "services", "--output", "json");
        assertThat(json.code()).as("%s", json).isZero();
        JsonNode arr = new ObjectMapper().readTree(json.out());
        assertThat(arr.get(0).get("Name").asText()).isEqualTo("web");
        assertThat(arr.get(0).get("Nodes").get(0).get("Node").asText()).isEqualTo(NODE);
        assertThat(arr.get(0).get("Nodes").get(0).get("Workloads").asInt()).isEqualTo(3);
    }

    @Test
    void serviceShowsItsNodesAndPassesTheReference() throws Exception {
        Result r = signet("catalog", "service", "web", "--namespace", "team-a");
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(r.out()).contains(NODE).contains("SPIFFE ID: spiffe://example.org/ns/default/dc/dc1/svc/web");
        assertThat(((GetServiceRequest) api.requests.get(0)).getNamespace()).isEqualTo("team-a");

        Result json = signet("catalog", "service", "web", "--output", "json");
        assertThat(new ObjectMapper().readTree(json.out()).get("Port").asInt()).isEqualTo(8080);

        Result missing = signet("catalog", "service", "nope");
        assertThat(missing.code()).isNotZero();
        assertThat(missing.err()).contains("service nope not found");
    }

    @Test
    void nodesListsReportedIdentities() throws Exception {
        Result r = signet("catalog", "nodes");
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(r.out()).contains(NODE).contains("yes");

        Result json = signet("catalog", "nodes", "--output", "json");
        JsonNode n = new ObjectMapper().readTree(json.out()).get(0);
        assertThat(n.get("Selectors").get(0).asText()).isEqualTo("join_token:label:env:prod");
        assertThat(n.get("Identities").get(0).get("Workloads").asInt()).isEqualTo(3);
    }
}
