package dev.signet.server.api;

import static dev.signet.server.api.TestServer.sel;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONArrayUtils;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.signet.proto.agent.v1.ActiveIdentity;
import dev.signet.proto.agent.v1.ReportActiveRequest;
import dev.signet.proto.catalog.v1.CatalogApiGrpc;
import dev.signet.proto.catalog.v1.RegisterServiceRequest;
import dev.signet.proto.catalog.v1.SelectorSet;
import dev.signet.proto.catalog.v1.Service;
import dev.signet.proto.catalog.v1.ServiceDefinition;
import dev.signet.server.config.ServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's HTTP API through a real server: Consul shapes, blocking queries, errors. */
class CatalogHttpApiTest {
    @TempDir
    Path dir;
    private TestServer ts;
    private EventLoopGroup group;
    private ManagedChannel channel;
    private final HttpClient http = HttpClient.newHttpClient();
    private String base;

    @BeforeEach
    void start() throws Exception {
        ts = TestServer.start(dir, Clock.systemUTC(), c -> c.withHttp(new ServerConfig.Http("127.0.0.1", 0)));
        base = "http://127.0.0.1:" + ts.server.httpPort().orElseThrow();
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(ts.socket.toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group).usePlaintext().build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        ts.close();
    }

    private Service registerWeb() {
        return CatalogApiGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).registerService(
                RegisterServiceRequest.newBuilder().setDefinition(ServiceDefinition.newBuilder().setName("web").setPort(8080)
                        .addTags("v1").putMeta("team", "a").addNodeSelectors(sel("join_token", "label:env:prod"))
                        .addWorkloadSelectors(SelectorSet.newBuilder().addSelectors(sel("unix", "uid:1000")))).build());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static long index(HttpResponse<String> r) {
        return Long.parseLong(r.headers().firstValue("X-Consul-Index").orElseThrow());
    }

    @Test
    void catalogEndpointsAnswerInConsulShapes() throws Exception {
        Service web = registerWeb();
        assertThat(JSONArrayUtils.parse(get("/v1/catalog/service/web").body())).isEmpty(); // registered, no node yet

        TestServer.AgentIdentity prod = ts.attestNew(Map.of("env", "prod"));
        ts.as(prod).reportActive(ReportActiveRequest.newBuilder()
                .addIdentities(ActiveIdentity.newBuilder().setEntryId(web.getEntryIds(0)).setSpiffeId(web.getSpiffeId()).setWorkloads(2))
                .addIdentities(ActiveIdentity.newBuilder().setEntryId("not-mine").setSpiffeId("spiffe://td/other").setWorkloads(1))
                .build());

        HttpResponse<String> services = get("/v1/catalog/services");
        assertThat(services.statusCode()).isEqualTo(200);
        assertThat(services.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(index(services)).isPositive();
        assertThat(JSONObjectUtils.parse(services.body())).isEqualTo(Map.of("web", List.of("v1")));

        List<Object> instances = JSONArrayUtils.parse(get("/v1/catalog/service/web").body());
        assertThat(instances).hasSize(1);
        @SuppressWarnings("unchecked")
        Map<String, Object> i = (Map<String, Object>) instances.get(0);
        assertThat(i).containsEntry("Node", prod.id().toString()).containsEntry("Datacenter", "dc1")
                .containsEntry("ServiceID", "web").containsEntry("ServiceName", "web")
                .containsEntry("ServiceTags", List.of("v1")).containsEntry("ServiceMeta", Map.of("team", "a"))
                .containsEntry("ServiceSpiffeID", web.getSpiffeId()).containsEntry("Address", "127.0.0.1")
                .containsKeys("ServicePort", "Workloads");
        assertThat(((Number) i.get("ServicePort")).intValue()).isEqualTo(8080);
        assertThat(((Number) i.get("Workloads")).intValue()).isEqualTo(2);

        List<Object> nodes = JSONArrayUtils.parse(get("/v1/catalog/nodes").body());
        assertThat(nodes).hasSize(1);
        @SuppressWarnings("unchecked")
        Map<String, Object> n = (Map<String, Object>) nodes.get(0);
        assertThat(n).containsEntry("Node", prod.id().toString()).containsEntry("Datacenter", "dc1").containsEntry("Address", "127.0.0.1");
        assertThat(((Map<?, ?>) n.get("Meta")).containsKey("join_token:label:env:prod")).isTrue();

        assertThat(JSONArrayUtils.parse(get("/v1/catalog/service/nope").body())).isEmpty();
    }

    @Test
    void rootsInConsulShapeAndAsPem() throws Exception {
        HttpResponse<String> r = get("/v1/connect/ca/roots");
        assertThat(r.statusCode()).isEqualTo(200);
        Map<String, Object> doc = JSONObjectUtils.parse(r.body());
        assertThat(doc).containsEntry("TrustDomain", "td");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> roots = (List<Map<String, Object>>) doc.get("Roots");
        assertThat(roots).hasSize(1);
        assertThat(roots.get(0)).containsEntry("Active", true).containsEntry("ID", doc.get("ActiveRootID"))
                .containsKeys("Name", "SerialNumber", "SigningKeyID", "NotBefore", "NotAfter");
        assertThat((String) roots.get(0).get("ID")).matches("([0-9a-f]{2}:){19}[0-9a-f]{2}");
        assertThat((String) roots.get(0).get("RootCert")).startsWith("-----BEGIN CERTIFICATE-----");

        HttpResponse<String> pem = get("/v1/connect/ca/roots?pem=true");
        assertThat(pem.headers().firstValue("Content-Type")).hasValue("application/pem-certificate-chain");
        assertThat(pem.body()).isEqualTo(roots.get(0).get("RootCert"));
    }

    @Test
    void aBlockingQueryWakesOnAChange() throws Exception {
        long idx = index(get("/v1/catalog/services"));
        CompletableFuture<HttpResponse<String>> blocked = http.sendAsync(
                HttpRequest.newBuilder(URI.create(base + "/v1/catalog/services?index=" + idx + "&wait=5m")).build(),
                HttpResponse.BodyHandlers.ofString());
        registerWeb();
        HttpResponse<String> r = blocked.get(20, TimeUnit.SECONDS);
        assertThat(index(r)).isGreaterThan(idx);
        assertThat(JSONObjectUtils.parse(r.body())).containsKey("web");
    }

    @Test
    void aBlockingQueryTimesOutWithTheSameIndex() throws Exception {
        long idx = index(get("/v1/connect/ca/roots"));
        HttpResponse<String> r = get("/v1/connect/ca/roots?index=" + idx + "&wait=1s");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(index(r)).isEqualTo(idx);
    }

    @Test
    void errorsAreJson() throws Exception {
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/catalog/services"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET");
        assertThat(JSONObjectUtils.parse(post.body())).containsKey("error");

        HttpResponse<String> missing = get("/v1/catalog/nothing");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(JSONObjectUtils.parse(missing.body())).containsKey("error");

        assertThat(get("/v1/catalog/services?index=x").statusCode()).isEqualTo(400);
    }
}
