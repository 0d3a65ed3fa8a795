package dev.signet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.cli.testing.CliRunner;
import dev.signet.cli.testing.CliRunner.Result;
import dev.signet.cli.testing.UdsServer;
import dev.signet.proto.catalog.v1.CatalogApiGrpc;
import dev.signet.proto.catalog.v1.DeregisterServiceResponse;
import dev.signet.proto.catalog.v1.ListServicesRequest;
import dev.signet.proto.catalog.v1.ListServicesResponse;
import dev.signet.proto.catalog.v1.RegisterServiceRequest;
import dev.signet.proto.catalog.v1.Service;
import dev.signet.proto.catalog.v1.ServiceRef;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code signet service ...} against a fake CatalogApi on a temporary Unix socket. */
class ServiceCommandsTest {
    @TempDir
    Path dir;

    private final FakeCatalog api = new FakeCatalog();
    private UdsServer server;
    private Path socket;

    /** Records requests; answers register/get/list from what was registered; refuses unknown names with NOT_FOUND. */
    static final class FakeCatalog extends CatalogApiGrpc.CatalogApiImplBase {
        final List<Object> requests = new CopyOnWriteArrayList<>();
        final List<Service> services = new CopyOnWriteArrayList<>();

        @Override
        public void registerService(RegisterServiceRequest req, StreamObserver<Service> out) {
            requests.add(req);
            var d = req.getDefinition();
            Service s = Service.newBuilder().setDefinition(d)
                    .setSpiffeId("spiffe://example.org/ns/" + d.getNamespace() + "/dc/" + d.getDatacenter() + "/svc/" + d.getName())
                    .addEntryIds("svc.default.default.dc1." + d.getName() + ".0").setRevision(1)
                    .setCreatedAtUnix(1_700_000_000).setUpdatedAtUnix(1_700_000_000).build();
            services.add(s);
            out.onNext(s);
            out.onCompleted();
        }

        @Override
        public void getService(ServiceRef req, StreamObserver<Service> out) {
            requests.add(req);
            services.stream().filter(s -> s.getDefinition().getName().equals(req.getName())).findFirst().ifPresentOrElse(s -> {
                out.onNext(s);
                out.onCompleted();
            }, () -> out.onError(Status.NOT_FOUND.withDescription("service " + req.getName() + " not found").asRuntimeException()));
        }

        @Override
        public void listServices(ListServicesRequest req, StreamObserver<ListServicesResponse> out) {
            out.onNext(ListServicesResponse.newBuilder().addAllServices(services).build());
            out.onCompleted();
        }

        @Override
        public void deregisterService(ServiceRef req, StreamObserver<DeregisterServiceResponse> out) {
            requests.add(req);
            out.onNext(DeregisterServiceResponse.getDefaultInstance());
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

    private Path file(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void registerParsesTheFileAndSendsTheDefinition() throws Exception {
        Path f = file("web.hcl", """
                service {
                  name = "web"
                  port = 8080
                  tags = ["v1"]
                  workload_selectors = [["unix:uid:1000"], ["unix:uid:1001", "unix:gid:5"]]
                  node_selectors = ["join_token:label:env:prod"]
                  x509_ttl = "30m"
                }
                """);
        Result r = signet("service", "register", f.toString());
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(r.out()).contains("Registered service web as spiffe://example.org/ns/default/dc/dc1/svc/web (revision 1");

        var d = ((RegisterServiceRequest) api.requests.get(0)).getDefinition();
        assertThat(d.getName()).isEqualTo("web");
        assertThat(d.getNamespace()).isEqualTo("default");
        assertThat(d.getDatacenter()).isEqualTo("dc1");
        assertThat(d.getPort()).isEqualTo(8080);
        assertThat(d.getWorkloadSelectorsCount()).isEqualTo(2);
        assertThat(d.getWorkloadSelectors(1).getSelectorsList()).extracting(s -> s.getType() + ":" + s.getValue())
                .containsExactly("unix:gid:5", "unix:uid:1001");
        assertThat(d.getNodeSelectorsList()).extracting(s -> s.getValue()).containsExactly("label:env:prod");
        assertThat(d.getX509TtlSeconds()).isEqualTo(1800);
    }

    @Test
    void registerAcceptsConsulJson() throws Exception {
        Path f = file("web.json", "{\"Service\": {\"Name\": \"web\", \"Namespace\": \"team-a\", \"WorkloadSelectors\": [[\"unix:uid:1\"]]}}");
        Result r = signet("service", "register", f.toString());
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(((RegisterServiceRequest) api.requests.get(0)).getDefinition().getNamespace()).isEqualTo("team-a");
    }

    @Test
    void anInvalidFileIsRefusedLocallyNamingTheField() throws Exception {
        Path f = file("web.hcl", "service {\n name = \"web\"\n port = \"http\"\n workload_selectors = [[\"unix:uid:1\"]]\n}\n");
        Result r = signet("service", "register", f.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("error: " + f + ": service.port: expected an integer, got \"http\"");
        assertThat(api.requests).isEmpty();

        Result missing = signet("service", "register", dir.resolve("nope.hcl").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("does not exist");
    }

    @Test
    void listShowAndDeregister() throws Exception {
        signet("service", "register", file("web.hcl", "service {\n name = \"web\"\n meta = { team = \"a\" }\n selectors = [\"unix:uid:1\"]\n}\n").toString());

        Result list = signet("service", "list");
        assertThat(list.code()).as("%s", list).isZero();
        assertThat(list.out()).contains("web").contains("spiffe://example.org/ns/default/dc/dc1/svc/web").contains("unix:uid:1")
                .contains("(any node)");

        Result json = signet("service", "list", "--output", "json");
        assertThat(json.out()).contains("\"Name\": \"web\"").contains("\"SpiffeID\": \"spiffe://example.org/ns/default/dc/dc1/svc/web\"")
                .contains("\"team\": \"a\"");

        Result show = signet("service", "show", "web", "--namespace", "default", "-o", "json");
        assertThat(show.code()).as("%s", show).isZero();
        assertThat(show.out()).contains("\"EntryIDs\": [ \"svc.default.default.dc1.web.0\" ]");
        assertThat(((ServiceRef) api.requests.get(1)).getNamespace()).isEqualTo("default");

        Result unknown = signet("service", "show", "nope");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("service nope not found");

        Result dereg = signet("service", "deregister", "web", "--datacenter", "eu1");
        assertThat(dereg.code()).as("%s", dereg).isZero();
        assertThat(dereg.out()).contains("Deregistered service web");
        ServiceRef ref = (ServiceRef) api.requests.get(api.requests.size() - 1);
        assertThat(ref.getName()).isEqualTo("web");
        assertThat(ref.getDatacenter()).isEqualTo("eu1");
    }

    @Test
    void missingArgumentsAreUsageErrors() {
        assertThat(signet("service", "register").code()).isEqualTo(2);
        assertThat(signet("service", "show").code()).isEqualTo(2);
        assertThat(signet("service").code()).isEqualTo(2);
    }
}
