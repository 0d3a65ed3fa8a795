package dev.signet.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.signet.cli.common.UnixChannels;
import dev.signet.it.harness.CliResult;
import dev.signet.it.harness.SharedCluster;
import dev.signet.it.harness.SignetServer;
import dev.signet.proto.admin.v1.AdminApiGrpc;
import dev.signet.proto.common.v1.Entry;
import dev.signet.proto.common.v1.Selector;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Registration input is validated: invalid SPIFFE IDs (ID-5), IDs of another trust domain or in the reserved
 * {@code /signet/} namespace, and malformed selectors are refused with a clear error, and nothing is stored.
 * The server checks by itself too, for clients that skip the CLI's checks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class AdminInputValidationTest {
    private SignetServer server;
    private JsonNode entriesBefore;

    @BeforeAll
    void cluster() {
        server = SharedCluster.get().server();
        entriesBefore = server.entries();
    }

    @AfterAll
    void nothingWasStored() {
        // Other classes may add entries in between only if they run concurrently, which they do not.
        assertThat(server.entries()).as("no invalid entry was stored").isEqualTo(entriesBefore);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            spiffe://example.org/a//b   | 2 | error: --spiffe-id: invalid SPIFFE ID "spiffe://example.org/a//b": path must not have empty segments ('//')
            spiffe://other.org/x        | 1 | error: spiffe_id: spiffe://other.org/x is not in trust domain example.org
            spiffe://example.org/signet/x | 1 | error: spiffe_id: spiffe://example.org/signet/x is in the reserved namespace /signet/, which belongs to Signet's servers and agents
            spiffe://example.org/signet/agent/join_token/x | 1 | error: spiffe_id: spiffe://example.org/signet/agent/join_token/x is in the reserved namespace /signet/, which belongs to Signet's servers and agents
            spiffe://example.org        | 1 | error: spiffe_id: spiffe://example.org has no path; a workload ID needs one (e.g. spiffe://example.org/web)
            """)
    void invalidSpiffeIdIsRefusedWithAClearError(String id, int exit, String error) {
        CliResult r = server.cli("entry", "create", "--spiffe-id", id, "--any-node", "--selector", "unix:uid:4999");
        assertThat(r.exit()).as(r::toString).isEqualTo(exit);
        assertThat(r.stderr().lines().findFirst()).as(r::toString).hasValue(error);
        assertThat(r.stdout()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"spiffe://example.org/a/./b", "spiffe://example.org/a/../b", "spiffe://example.org/a/",
            "spiffe://example.org/a%2Fb", "spiffe://example.org/a b", "spiffe://example.org/ä", "spiffe://example.org/x?q=1",
            "spiffe://example.org/x#f", "spiffe://EXAMPLE.org/x", "http://example.org/x", "spiffe:///x", "example.org/x"})
    void ID5_malformedSpiffeIdIsAUsageErrorNamingTheFlag(String id) {
        CliResult r = server.cli("entry", "create", "--spiffe-id", id, "--any-node", "--selector", "unix:uid:4999");
        assertThat(r.exit()).as(r::toString).isEqualTo(2);
        assertThat(r.stderr().lines().findFirst().orElse("")).as(r::toString)
                .startsWith("error: --spiffe-id: invalid SPIFFE ID \"" + id + "\": ");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            --selector      | unix
            --selector      | unix:
            --selector      | :uid:1
            --selector      | ''
            --node-selector | join_token
            """)
    void malformedSelectorIsAUsageErrorNamingTheFlag(String flag, String selector) {
        String[] args = flag.equals("--selector")
                ? new String[] {"entry", "create", "--spiffe-id", SignetServer.id("/it/bad-selector"), "--any-node", flag, selector}
                : new String[] {"entry", "create", "--spiffe-id", SignetServer.id("/it/bad-selector"), flag, selector,
                        "--selector", "unix:uid:4999"};
        CliResult r = server.cli(args);
        assertThat(r.exit()).as(r::toString).isEqualTo(2);
        assertThat(r.stderr().lines().findFirst()).as(r::toString)
                .hasValue("error: " + flag + ": invalid selector \"" + selector + "\": expected TYPE:VALUE, e.g. unix:uid:1000");
    }

    @Test
    void missingOrConflictingParentIsAUsageError() {
        CliResult none = server.cli("entry", "create", "--spiffe-id", SignetServer.id("/it/no-parent"), "--selector", "unix:uid:4999");
        assertThat(none.exit()).as(none::toString).isEqualTo(2);
        assertThat(none.stderr().lines().findFirst()).as(none::toString)
                .hasValue("error: missing parent: give exactly one of --parent-id, --node-selector or --any-node");
        CliResult noSelector = server.cli("entry", "create", "--spiffe-id", SignetServer.id("/it/no-selector"), "--any-node");
        assertThat(noSelector.exit()).as(noSelector::toString).isEqualTo(2);
        assertThat(noSelector.stderr()).as(noSelector::toString).startsWith("error: ").contains("--selector");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"spiffe://example.org/a//b", "spiffe://example.org/a/../b", "spiffe://example.org/a/",
            "spiffe://example.org/a%2Fb", "spiffe://other.org/x", "spiffe://example.org/signet/x", "not a spiffe id"})
    void serverRefusesInvalidSpiffeIdsFromAClientThatSkipsTheCliChecks(String id) {
        Entry bad = Entry.newBuilder().setSpiffeId(id).setAnyNode(true)
                .addSelectors(Selector.newBuilder().setType("unix").setValue("uid:4999")).build();
        try (UnixChannels ch = UnixChannels.open(server.socket())) {
            var stub = AdminApiGrpc.newBlockingStub(ch.channel()).withDeadlineAfter(20, TimeUnit.SECONDS);
            assertThatThrownBy(() -> stub.createEntry(bad))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).startsWith("spiffe_id: ");
                    });
        }
    }

    @Test
    void serverRefusesMalformedSelectorsFromAClientThatSkipsTheCliChecks() {
        try (UnixChannels ch = UnixChannels.open(server.socket())) {
            var stub = AdminApiGrpc.newBlockingStub(ch.channel()).withDeadlineAfter(20, TimeUnit.SECONDS);
            for (Selector s : new Selector[] {Selector.newBuilder().setType("").setValue("uid:1").build(),
                    Selector.newBuilder().setType("unix").setValue("").build()}) {
                Entry bad = Entry.newBuilder().setSpiffeId(SignetServer.id("/it/raw-bad-selector")).setAnyNode(true)
                        .addSelectors(s).build();
                assertThatThrownBy(() -> stub.createEntry(bad)).as("selector %s", s)
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                            assertThat(e.getStatus().getDescription()).startsWith("selectors");
                        });
            }
            Entry noSelectors = Entry.newBuilder().setSpiffeId(SignetServer.id("/it/raw-no-selector")).setAnyNode(true).build();
            assertThatThrownBy(() -> stub.createEntry(noSelectors))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        }
    }
}
