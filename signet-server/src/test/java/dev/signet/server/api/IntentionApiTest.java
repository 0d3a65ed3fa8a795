package dev.signet.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.intention.Action;
import dev.signet.proto.agent.v1.SyncAuthorizedResponse;
import dev.signet.proto.intention.v1.CheckIntentionRequest;
import dev.signet.proto.intention.v1.CheckIntentionResponse;
import dev.signet.proto.intention.v1.CreateIntentionRequest;
import dev.signet.proto.intention.v1.DeleteIntentionRequest;
import dev.signet.proto.intention.v1.Intention;
import dev.signet.proto.intention.v1.IntentionApiGrpc;
import dev.signet.proto.intention.v1.ListIntentionsRequest;
import dev.signet.proto.intention.v1.ListIntentionsResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The IntentionApi on the admin socket of a real in-process server, and intentions on the sync stream. */
class IntentionApiTest {
    @TempDir
    Path dir;
    private TestServer ts;
    private EventLoopGroup group;
    private ManagedChannel channel;

    private IntentionApiGrpc.IntentionApiBlockingStub start(Action defaultPolicy) throws Exception {
        ts = TestServer.start(dir, Clock.systemUTC(), c -> c.withDefaultIntentionPolicy(defaultPolicy));
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(ts.socket.toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group).usePlaintext().build();
        return IntentionApiGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        if (ts != null) {
            ts.close();
        }
    }

    private static CreateIntentionRequest req(String src, String dst, dev.signet.proto.intention.v1.Action a) {
        return CreateIntentionRequest.newBuilder().setSource(src).setDestination(dst).setAction(a).build();
    }

    private static final dev.signet.proto.intention.v1.Action ALLOW = dev.signet.proto.intention.v1.Action.ACTION_ALLOW;
    private static final dev.signet.proto.intention.v1.Action DENY = dev.signet.proto.intention.v1.Action.ACTION_DENY;

    private static void assertStatus(ThrowingCallable call, Status.Code code, String messageStart) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).startsWith(messageStart);
        });
    }

    @Test
    void createListCheckDelete() throws Exception {
        var api = start(Action.DENY);
        Intention created = api.create(req("web", "default/db", ALLOW).toBuilder().setDescription("reads").build());
        assertThat(created.getId()).isNotEmpty();
        assertThat(created.getDestination()).isEqualTo("db");
        assertThat(created.getPrecedence()).isEqualTo(9);
        assertThat(created.getCreatedAtUnix()).isPositive();
        api.create(req("*", "*", DENY));

        ListIntentionsResponse list = api.list(ListIntentionsRequest.getDefaultInstance());
        assertThat(list.getDefaultPolicy()).isEqualTo("deny");
        assertThat(list.getIntentionsList()).extracting(Intention::getSource).containsExactly("web", "*");
        assertThat(list.getIntentions(0)).isEqualTo(created);

        CheckIntentionResponse ok = api.check(CheckIntentionRequest.newBuilder().setSource("web").setDestination("db").build());
        assertThat(ok.getAllowed()).isTrue();
        assertThat(ok.getIntention().getId()).isEqualTo(created.getId());
        CheckIntentionResponse bySpiffeId = api.check(CheckIntentionRequest.newBuilder()
                .setSource("spiffe://td/ns/default/dc/dc1/svc/web").setDestination("db").build());
        assertThat(bySpiffeId.getAllowed()).isTrue();
        CheckIntentionResponse no = api.check(CheckIntentionRequest.newBuilder().setSource("api").setDestination("db").build());
        assertThat(no.getAllowed()).isFalse();
        assertThat(no.getIntention().getSource()).isEqualTo("*");

        assertStatus(() -> api.create(req("default/web", "db", DENY)), Status.Code.ALREADY_EXISTS, "an intention from web to db");
        api.delete(DeleteIntentionRequest.newBuilder().setId(created.getId()).build());
        api.delete(DeleteIntentionRequest.newBuilder().setSource("*").setDestination("*").build());
        assertThat(api.list(ListIntentionsRequest.getDefaultInstance()).getIntentionsList()).isEmpty();
        assertStatus(() -> api.delete(DeleteIntentionRequest.newBuilder().setId(created.getId()).build()), Status.Code.NOT_FOUND, "no intention");
        assertStatus(() -> api.delete(DeleteIntentionRequest.newBuilder().setSource("web").setDestination("db").build()),
                Status.Code.NOT_FOUND, "no intention from web to db");
    }

    @Test
    void defaultPolicyAllowAppliesWhenNothingMatches() throws Exception {
        var api = start(Action.ALLOW);
        assertThat(api.list(ListIntentionsRequest.getDefaultInstance()).getDefaultPolicy()).isEqualTo("allow");
        CheckIntentionResponse r = api.check(CheckIntentionRequest.newBuilder().setSource("web").setDestination("db").build());
        assertThat(r.getAllowed()).isTrue();
        assertThat(r.hasIntention()).isFalse();
        assertThat(r.getReason()).contains("default_intention_policy is allow");
    }

    @Test
    void invalidInputNamesTheField() throws Exception {
        var api = start(Action.DENY);
        assertStatus(() -> api.create(req("", "db", ALLOW)), Status.Code.INVALID_ARGUMENT, "source: is required");
        assertStatus(() -> api.create(req("we b", "db", ALLOW)), Status.Code.INVALID_ARGUMENT, "source: service name");
        assertStatus(() -> api.create(req("spiffe://BAD", "db", ALLOW)), Status.Code.INVALID_ARGUMENT, "source: ");
        assertStatus(() -> api.create(req("web", "", ALLOW)), Status.Code.INVALID_ARGUMENT, "destination: is required");
        assertStatus(() -> api.create(req("web", "spiffe://td/db", ALLOW)), Status.Code.INVALID_ARGUMENT, "destination: ");
        assertStatus(() -> api.create(req("web", "db", dev.signet.proto.intention.v1.Action.ACTION_UNSPECIFIED)),
                Status.Code.INVALID_ARGUMENT, "action: ");
        assertStatus(() -> api.create(req("web", "db", ALLOW).toBuilder().setDescription("x".repeat(513)).build()),
                Status.Code.INVALID_ARGUMENT, "description: ");
        assertStatus(() -> api.delete(DeleteIntentionRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT, "id: ");
        assertStatus(() -> api.check(CheckIntentionRequest.newBuilder().setSource("*").setDestination("db").build()),
                Status.Code.INVALID_ARGUMENT, "source: ");
        assertStatus(() -> api.check(CheckIntentionRequest.newBuilder().setSource("web").setDestination("*").build()),
                Status.Code.INVALID_ARGUMENT, "destination: ");
        assertThat(api.list(ListIntentionsRequest.getDefaultInstance()).getIntentionsList()).isEmpty();
    }

    @Test
    void aNewIntentionIsPushedOnAnOpenSyncStream() throws Exception {
        var api = start(Action.DENY);
        TestServer.AgentIdentity agent = ts.attestNew(Map.of("env", "prod"));
        try (SyncStream s = SyncStream.open(ts.asyncAs(agent))) {
            SyncAuthorizedResponse first = s.next();
            assertThat(first.getIntentionsList()).isEmpty();
            assertThat(first.getDefaultIntentionPolicy()).isEqualTo("deny");

            Intention created = api.create(req("web", "db", ALLOW));
            SyncAuthorizedResponse second = s.next();
            assertThat(second.getIntentionsList()).containsExactly(created);

            api.delete(DeleteIntentionRequest.newBuilder().setId(created.getId()).build());
            assertThat(s.next().getIntentionsList()).isEmpty();
        }
    }
}
