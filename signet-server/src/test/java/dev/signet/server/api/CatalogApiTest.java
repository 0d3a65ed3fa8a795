package dev.signet.server.api;

import static dev.signet.server.api.TestServer.assertStatus;
import static dev.signet.server.api.TestServer.failure;
import static dev.signet.server.api.TestServer.sel;
import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.proto.admin.v1.EntryRef;
import dev.signet.proto.admin.v1.ListEntriesRequest;
import dev.signet.proto.agent.v1.SyncAuthorizedResponse;
import dev.signet.proto.catalog.v1.CatalogApiGrpc;
import dev.signet.proto.catalog.v1.ListServicesRequest;
import dev.signet.proto.catalog.v1.RegisterServiceRequest;
import dev.signet.proto.catalog.v1.SelectorSet;
import dev.signet.proto.catalog.v1.Service;
import dev.signet.proto.catalog.v1.ServiceDefinition;
import dev.signet.proto.catalog.v1.ServiceRef;
import dev.signet.proto.common.v1.Entry;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog API through a real server: services become managed entries, synced only where their node selectors allow. */
class CatalogApiTest {
    private static final String WEB_ID = "spiffe://td/ns/default/dc/dc1/svc/web";

    @TempDir
    Path dir;
    private TestServer ts;
    private EventLoopGroup group;
    private ManagedChannel channel;
    private TestServer.AgentIdentity prod;
    private TestServer.AgentIdentity dev;

    @BeforeEach
    void start() throws Exception {
        ts = TestServer.start(dir, Clock.systemUTC());
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(ts.socket.toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group).usePlaintext().build();
        prod = ts.attestNew(Map.of("env", "prod"));
        dev = ts.attestNew(Map.of("env", "dev"));
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        ts.close();
    }

    private CatalogApiGrpc.CatalogApiBlockingStub catalog() {
        return CatalogApiGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static ServiceDefinition.Builder web(String... uids) {
        ServiceDefinition.Builder b = ServiceDefinition.newBuilder().setName("web").setPort(8080)
                .addNodeSelectors(sel("join_token", "label:env:prod"));
        for (String uid : uids) {
            b.addWorkloadSelectors(SelectorSet.newBuilder().addSelectors(sel("unix", "uid:" + uid)));
        }
        return b;
    }

    private Service register(ServiceDefinition.Builder d) {
        return catalog().registerService(RegisterServiceRequest.newBuilder().setDefinition(d).build());
    }

    private static List<String> ids(SyncAuthorizedResponse m) {
        return m.getEntriesList().stream().map(Entry::getId).toList();
    }

    @Test
    void serviceIsSyncedOnlyToAgentsMatchingItsNodeSelectorsAndUpdatedOnOpenStreams() throws Exception {
        try (SyncStream p = SyncStream.open(ts.asyncAs(prod)); SyncStream d = SyncStream.open(ts.asyncAs(dev))) {
            assertThat(ids(p.next())).isEmpty();
            assertThat(ids(d.next())).isEmpty();

            Service s = register(web("1000"));
            assertThat(s.getSpiffeId()).isEqualTo(WEB_ID);
            assertThat(s.getEntryIdsList()).containsExactly("svc.default.default.dc1.web.0");
            assertThat(s.getDefinition().getNamespace()).isEqualTo("default");
            assertThat(s.getDefinition().getDatacenter()).isEqualTo("dc1");

            SyncAuthorizedResponse m1 = p.next();
            assertThat(m1.getEntriesList()).hasSize(1);
            Entry e1 = m1.getEntries(0);
            assertThat(e1.getSpiffeId()).isEqualTo(WEB_ID);
            assertThat(e1.getSelectorsList()).containsExactly(sel("unix", "uid:1000"));
            assertThat(e1.getNodeSelectorsList()).containsExactly(sel("join_token", "label:env:prod"));

            // Re-registering with different selectors updates the same entry on the open stream.
            register(web("2000", "3000"));
            SyncAuthorizedResponse m2 = p.next();
            assertThat(ids(m2)).containsExactly("svc.default.default.dc1.web.0", "svc.default.default.dc1.web.1");
            assertThat(m2.getEntries(0).getSelectorsList()).containsExactly(sel("unix", "uid:2000"));
            assertThat(m2.getEntries(0).getRevision()).isEqualTo(e1.getRevision() + 1);
            assertThat(m2.getEntries(1).getSelectorsList()).containsExactly(sel("unix", "uid:3000"));

            // Fewer sets: the surplus entry goes.
            register(web("3000"));
            SyncAuthorizedResponse m3 = p.next();
            assertThat(ids(m3)).containsExactly("svc.default.default.dc1.web.0");
            assertThat(m3.getEntries(0).getSelectorsList()).containsExactly(sel("unix", "uid:3000"));

            catalog().deregisterService(ServiceRef.newBuilder().setName("web").build());
            assertThat(ids(p.next())).isEmpty();

            // The dev agent never received anything: its next message carries an entry created after all of the above.
            ts.createEntry(TestServer.entry("marker", "spiffe://td/marker").setParentId(dev.id().toString()).build());
            assertThat(ids(d.next())).containsExactly("marker");
            assertThat(d.pending()).isZero();
        }
    }

    @Test
    void getListAndDeregister() {
        register(web("1000"));
        register(web("1000").setName("api").setPartition("Finance").setNamespace("team-a"));
        assertThat(catalog().listServices(ListServicesRequest.getDefaultInstance()).getServicesList())
                .extracting(Service::getSpiffeId)
                .containsExactly(WEB_ID, "spiffe://td/ap/finance/ns/team-a/dc/dc1/svc/api"); // by partition/namespace/dc/name
        Service api = catalog().getService(ServiceRef.newBuilder().setName("api").setNamespace("team-a").setPartition("finance").build());
        assertThat(api.getDefinition().getPort()).isEqualTo(8080);
        assertThat(api.getRevision()).isEqualTo(1);

        assertStatus(failure(() -> catalog().getService(ServiceRef.newBuilder().setName("api").build())), Status.Code.NOT_FOUND,
                "service api (namespace default");
        catalog().deregisterService(ServiceRef.newBuilder().setName("web").build());
        assertStatus(failure(() -> catalog().deregisterService(ServiceRef.newBuilder().setName("web").build())), Status.Code.NOT_FOUND,
                "service web");
        assertThat(ts.admin().listEntries(ListEntriesRequest.getDefaultInstance()).getEntriesList())
                .extracting(Entry::getSpiffeId).containsExactly("spiffe://td/ap/finance/ns/team-a/dc/dc1/svc/api");
    }

    @Test
    void invalidDefinitionsAreRefusedNamingTheField() {
        assertStatus(failure(() -> register(web("1").setName(""))), Status.Code.INVALID_ARGUMENT, "name: is required");
        assertStatus(failure(() -> register(web().setName("web"))), Status.Code.INVALID_ARGUMENT, "workload_selectors: at least one");
        assertStatus(failure(() -> register(web("1").setPort(-1))), Status.Code.INVALID_ARGUMENT, "port:");
        assertStatus(failure(() -> register(web("1").setX509TtlSeconds(-5))), Status.Code.INVALID_ARGUMENT, "x509_ttl:");
        assertStatus(failure(() -> register(web("1").addDnsNames("not a name"))), Status.Code.INVALID_ARGUMENT, "dns_names:");
        assertStatus(failure(() -> register(web("1").addNodeSelectors(sel("BAD", "x")))), Status.Code.INVALID_ARGUMENT,
                "node_selectors[");
        assertThat(catalog().listServices(ListServicesRequest.getDefaultInstance()).getServicesList()).isEmpty();
    }

    @Test
    void managedEntriesCannotBeEditedThroughTheAdminApi() {
        register(web("1000"));
        String id = "svc.default.default.dc1.web.0";
        Entry e = ts.admin().getEntry(EntryRef.newBuilder().setId(id).build());
        assertStatus(failure(() -> ts.admin().updateEntry(e.toBuilder().addDnsNames("x.td.test").build())),
                Status.Code.FAILED_PRECONDITION, "entry " + id + " is managed by service web");
        assertStatus(failure(() -> ts.admin().deleteEntry(EntryRef.newBuilder().setId(id).build())),
                Status.Code.FAILED_PRECONDITION, "use signet service");
        assertThat(ts.admin().getEntry(EntryRef.newBuilder().setId(id).build())).isEqualTo(e);
    }
}
