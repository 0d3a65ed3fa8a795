package dev.signet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.signet.cli.testing.CliRunner;
import dev.signet.cli.testing.CliRunner.Result;
import dev.signet.cli.testing.UdsServer;
import dev.signet.proto.intention.v1.Action;
import dev.signet.proto.intention.v1.CheckIntentionRequest;
import dev.signet.proto.intention.v1.CheckIntentionResponse;
import dev.signet.proto.intention.v1.CreateIntentionRequest;
import dev.signet.proto.intention.v1.DeleteIntentionRequest;
import dev.signet.proto.intention.v1.DeleteIntentionResponse;
import dev.signet.proto.intention.v1.Intention;
import dev.signet.proto.intention.v1.IntentionApiGrpc;
import dev.signet.proto.intention.v1.ListIntentionsRequest;
import dev.signet.proto.intention.v1.ListIntentionsResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code signet intention ...} against a real gRPC server on a Unix socket serving a hand-written fake. */
class IntentionCommandsTest {
    @TempDir
    Path dir;

    private final FakeIntentionApi api = new FakeIntentionApi();
    private UdsServer server;
    private Path socket;

    /** Records requests; answers from fixed values. */
    static final class FakeIntentionApi extends IntentionApiGrpc.IntentionApiImplBase {
        final List<Object> requests = new ArrayList<>();
        List<Intention> intentions = List.of();
        CheckIntentionResponse check = CheckIntentionResponse.getDefaultInstance();
        Status nextError;

        private synchronized boolean fail(StreamObserver<?> out) {
            if (nextError != null) {
                out.onError(nextError.asRuntimeException());
                nextError = null;
                return true;
            }
            return false;
        }

        @Override
        public synchronized void create(CreateIntentionRequest r, StreamObserver<Intention> out) {
            requests.add(r);
            if (fail(out)) {
                return;
            }
            out.onNext(Intention.newBuilder().setId("int-1").setSource(r.getSource()).setDestination(r.getDestination())
                    .setAction(r.getAction()).build());
            out.onCompleted();
        }

        @Override
        public synchronized void delete(DeleteIntentionRequest r, StreamObserver<DeleteIntentionResponse> out) {
            requests.add(r);
            if (fail(out)) {
                return;
            }
            out.onNext(DeleteIntentionResponse.getDefaultInstance());
            out.onCompleted();
        }

        @Override
        public synchronized void list(ListIntentionsRequest r, StreamObserver<ListIntentionsResponse> out) {
            requests.add(r);
            out.onNext(ListIntentionsResponse.newBuilder().addAllIntentions(intentions).setDefaultPolicy("deny").build());
            out.onCompleted();
        }

        @Override
        public synchronized void check(CheckIntentionRequest r, StreamObserver<CheckIntentionResponse> out) {
            requests.add(r);
            out.onNext(check);
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
    void createSendsTheFieldsAndPrintsTheId() {
        Result r = signet("intention", "create", "web", "db", "--allow", "--description", "web reads the db");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("int-1\n");
        assertThat(api.requests).containsExactly(CreateIntentionRequest.newBuilder().setSource("web").setDestination("db")
                .setAction(Action.ACTION_ALLOW).setDescription("web reads the db").build());

        Result deny = signet("intention", "create", "spiffe://other.org", "*", "--deny");
        assertThat(deny.code()).as(deny.toString()).isZero();
        assertThat(((CreateIntentionRequest) api.requests.get(1)).getAction()).isEqualTo(Action.ACTION_DENY);
    }

    @Test
    void createNeedsExactlyOneAction() {
        assertThat(signet("intention", "create", "web", "db").code()).isEqualTo(2);
        assertThat(signet("intention", "create", "web", "db", "--allow", "--deny").code()).isEqualTo(2);
        assertThat(api.requests).isEmpty();
    }

    @Test
    void serverRefusalIsOneLine() {
        api.nextError = Status.INVALID_ARGUMENT.withDescription("source: service name \"we b\" is not a valid name");
        Result r = signet("intention", "create", "we b", "db", "--allow");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("source: service name \"we b\" is not a valid name");
    }

    @Test
    void listAsTextAndJson() throws Exception {
        api.intentions = List.of(Intention.newBuilder().setId("int-1").setSource("web").setDestination("db")
                .setAction(Action.ACTION_ALLOW).setPrecedence(9).setDescription("reads").setCreatedAtUnix(1700000000).build());
        Result text = signet("intention", "list");
        assertThat(text.code()).as(text.toString()).isZero();
        assertThat(text.out()).contains("Found 1 intention; default policy: deny").contains("int-1").contains("allow")
                .contains("reads");

        Result json = signet("intention", "list", "--output", "json");
        assertThat(json.code()).as(json.toString()).isZero();
        JsonNode j = new ObjectMapper().readTree(json.out());
        assertThat(j.get("default_policy").asText()).isEqualTo("deny");
        assertThat(j.get("intentions").get(0).get("source").asText()).isEqualTo("web");
        assertThat(j.get("intentions").get(0).get("action").asText()).isEqualTo("allow");
        assertThat(j.get("intentions").get(0).get("precedence").asInt()).isEqualTo(9);
    }

    @Test
    void deleteByIdOrBySourceAndDestination() {
        Result byId = signet("intention", "delete", "int-1");
        assertThat(byId.code()).as(byId.toString()).isZero();
        Result byPair = signet("intention", "delete", "web", "db");
        assertThat(byPair.code()).as(byPair.toString()).isZero();
        assertThat(api.requests).containsExactly(DeleteIntentionRequest.newBuilder().setId("int-1").build(),
                DeleteIntentionRequest.newBuilder().setSource("web").setDestination("db").build());

        api.nextError = Status.NOT_FOUND.withDescription("no intention with ID nope");
        Result missing = signet("intention", "delete", "nope");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("no intention with ID nope");
    }

    @Test
    void checkPrintsAllowedOrDeniedWithExitCode() {
        api.check = CheckIntentionResponse.newBuilder().setAllowed(true).setReason("Matched intention web => db (allow)").build();
        Result allowed = signet("intention", "check", "web", "db");
        assertThat(allowed.code()).isZero();
        assertThat(allowed.out()).isEqualTo("Allowed\n");
        assertThat(api.requests).containsExactly(CheckIntentionRequest.newBuilder().setSource("web").setDestination("db").build());

        api.check = CheckIntentionResponse.newBuilder().setAllowed(false).setReason("No intention matched").build();
        Result denied = signet("intention", "check", "api", "db", "-v");
        assertThat(denied.code()).isEqualTo(1);
        assertThat(denied.out()).isEqualTo("Denied\nNo intention matched\n");
    }
}
