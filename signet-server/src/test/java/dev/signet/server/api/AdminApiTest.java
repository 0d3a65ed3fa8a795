package dev.signet.server.api;

import static dev.signet.server.api.TestServer.assertStatus;
import static dev.signet.server.api.TestServer.entry;
import static dev.signet.server.api.TestServer.failure;
import static dev.signet.server.api.TestServer.sel;
import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.proto.admin.v1.AgentRef;
import dev.signet.proto.admin.v1.CreateJoinTokenRequest;
import dev.signet.proto.admin.v1.EntryRef;
import dev.signet.proto.admin.v1.HealthRequest;
import dev.signet.proto.admin.v1.HealthResponse;
import dev.signet.proto.admin.v1.JoinToken;
import dev.signet.proto.admin.v1.ListEntriesRequest;
import dev.signet.proto.common.v1.Entry;
import dev.signet.testing.ManualClock;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The admin API over its Unix socket: validation (errors name the field), conflicts, lookups, health. */
class AdminApiTest {
    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private TestServer ts;

    @BeforeEach
    void start() throws Exception {
        ts = TestServer.start(dir, clock);
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    private int entryCount() {
        return ts.admin().listEntries(ListEntriesRequest.getDefaultInstance()).getEntriesCount();
    }

    private Status createFails(Entry e) {
        Status s = failure(() -> ts.createEntry(e));
        assertThat(entryCount()).as("a refused create stores nothing").isZero();
        return s;
    }

    @Test
    void socketIsGroupAccessibleOnly() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ts.socket))).isEqualTo("rwxrwx---");
    }

    @Test
    void healthIsServing() {
        HealthResponse h = ts.admin().health(HealthRequest.getDefaultInstance());
        assertThat(h.getStatus()).isEqualTo("SERVING");
        assertThat(h.getTrustDomain()).isEqualTo("td");
    }

    @Test
    void createdEntryIsStoredWithRevisionAndCreationTime() {
        Entry created = ts.createEntry(entry("web", "spiffe://td/web").setAnyNode(true).setHint("external").build());

        assertThat(created.getRevision()).isEqualTo(1);
        assertThat(created.getCreatedAtUnix()).isEqualTo(clock.instant().getEpochSecond());
        assertThat(ts.admin().getEntry(EntryRef.newBuilder().setId("web").build())).isEqualTo(created);

        Entry generated = ts.createEntry(Entry.newBuilder().setSpiffeId("spiffe://td/api").setAnyNode(true)
                .addSelectors(sel("unix", "uid:2000")).build());
        assertThat(generated.getId()).isNotEmpty();
        assertThat(ts.admin().listEntries(ListEntriesRequest.newBuilder().setSpiffeId("spiffe://td/api").build()).getEntriesList())
                .containsExactly(generated);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "td/web", "http://td/web", "SPIFFE://td/web", "spiffe://TD/web", "spiffe://td/web?x=1",
        "spiffe://td//web", "spiffe://td/web/", "spiffe://td/./web", "spiffe://other.org/web", "spiffe://td"})
    void invalidSpiffeIdIsRefusedNamingTheField(String id) {
        Status s = createFails(entry("e", id).setAnyNode(true).build());

        assertThat(s.getCode()).as("%s", s).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(s.getDescription()).startsWith("spiffe_id: ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"spiffe://td/signet", "spiffe://td/signet/server", "spiffe://td/signet/agent/join_token/x", "spiffe://td/signet/web"})
    void reservedNamespaceIsRefused(String id) {
        Status s = createFails(entry("e", id).setAnyNode(true).build());

        assertStatus(s, Status.Code.INVALID_ARGUMENT, "reserved namespace /signet/");
        assertThat(s.getDescription()).startsWith("spiffe_id: ");
    }

    @Test
    void pathThatMerelyStartsWithTheReservedWordIsAllowed() {
        assertThat(ts.createEntry(entry("e", "spiffe://td/signetwork").setAnyNode(true).build()).getSpiffeId())
                .isEqualTo("spiffe://td/signetwork");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "parent_id: | spiffe://td/not-an-agent",
        "parent_id: | spiffe://other.org/signet/agent/join_token/x",
        "parent_id: | not a spiffe id"})
    void parentMustBeAnAgentOfThisTrustDomain(String prefix, String parent) {
        Status s = createFails(entry("e", "spiffe://td/web").setParentId(parent).build());

        assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(s.getDescription()).startsWith(prefix);
    }

    @Test
    void otherFieldsAreValidatedNamingTheField() {
        assertThat(createFails(entry("e", "spiffe://td/web").build()).getDescription()).startsWith("parent: exactly one of");
        assertThat(createFails(entry("e", "spiffe://td/web").setAnyNode(true).setParentId("spiffe://td/signet/agent/join_token/x").build())
                .getDescription()).startsWith("parent: ");
        assertThat(createFails(Entry.newBuilder().setId("e").setSpiffeId("spiffe://td/web").setAnyNode(true).build())
                .getDescription()).startsWith("selectors: ");
        assertThat(createFails(entry("e", "spiffe://td/web").setAnyNode(true).addSelectors(sel("Unix", "uid:1")).build())
                .getDescription()).startsWith("selectors: ");
        assertThat(createFails(entry("e", "spiffe://td/web").addNodeSelectors(sel("join_token", "")).build())
                .getDescription()).startsWith("node_selectors: ");
        assertThat(createFails(entry("e", "spiffe://td/web").setAnyNode(true).addDnsNames("-bad-.example").build())
                .getDescription()).startsWith("dns_names: ");
        assertThat(createFails(entry("e", "spiffe://td/web").setAnyNode(true).addDnsNames("a.example").addDnsNames("a.example").build())
                .getDescription()).startsWith("dns_names: ");
        assertThat(createFails(entry("e", "spiffe://td/web").setAnyNode(true).setX509TtlSeconds(-1).build())
                .getDescription()).startsWith("x509_ttl: ");
        assertThat(createFails(entry("bad id!", "spiffe://td/web").setAnyNode(true).build())
                .getDescription()).startsWith("id: ");
        assertThat(createFails(entry("e", "spiffe://td/web").build()).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void W27_hintsLongerThan1024BytesAreRefused() {
        String max = "h".repeat(1024);
        assertThat(ts.createEntry(entry("ok", "spiffe://td/ok").setAnyNode(true).setHint(max).build()).getHint()).isEqualTo(max);

        Status s = failure(() -> ts.createEntry(entry("long", "spiffe://td/long").setAnyNode(true).setHint(max + "h").build()));
        assertStatus(s, Status.Code.INVALID_ARGUMENT, "hint: ");
        // Bytes, not characters: 512 two-byte characters plus one more byte is too long.
        Status utf8 = failure(() -> ts.createEntry(entry("long", "spiffe://td/long").setAnyNode(true).setHint("é".repeat(512) + "x").build()));
        assertStatus(utf8, Status.Code.INVALID_ARGUMENT, "hint: ");
    }

    @Test
    void duplicateEntryIsAlreadyExists() {
        Entry first = ts.createEntry(entry("one", "spiffe://td/web").setAnyNode(true).addSelectors(sel("unix", "gid:10")).build());

        // Same ID.
        Status sameId = failure(() -> ts.createEntry(entry("one", "spiffe://td/other").setAnyNode(true).build()));
        assertStatus(sameId, Status.Code.ALREADY_EXISTS, "one");
        // Same registration (SPIFFE ID, parent, selector set — in another order) under another ID.
        Status sameRegistration = failure(() -> ts.createEntry(Entry.newBuilder().setId("two").setSpiffeId("spiffe://td/web").setAnyNode(true)
                .addSelectors(sel("unix", "gid:10")).addSelectors(sel("unix", "uid:1000")).build()));
        assertStatus(sameRegistration, Status.Code.ALREADY_EXISTS, "one");

        assertThat(ts.admin().listEntries(ListEntriesRequest.getDefaultInstance()).getEntriesList()).containsExactly(first);
        // A different parent is a different registration.
        assertThat(ts.createEntry(entry("three", "spiffe://td/web").addNodeSelectors(sel("join_token", "label:a:b"))
                .addSelectors(sel("unix", "gid:10")).build()).getId()).isEqualTo("three");
    }

    @Test
    void updateBumpsRevisionAndValidates() {
        Entry created = ts.createEntry(entry("web", "spiffe://td/web").setAnyNode(true).build());

        Entry updated = ts.admin().updateEntry(created.toBuilder().setX509TtlSeconds(300).build());
        assertThat(updated.getRevision()).isEqualTo(2);
        assertThat(updated.getX509TtlSeconds()).isEqualTo(300);
        assertThat(updated.getCreatedAtUnix()).isEqualTo(created.getCreatedAtUnix());

        Status reserved = failure(() -> ts.admin().updateEntry(updated.toBuilder().setSpiffeId("spiffe://td/signet/x").build()));
        assertStatus(reserved, Status.Code.INVALID_ARGUMENT, "spiffe_id: ");
        assertThat(ts.admin().getEntry(EntryRef.newBuilder().setId("web").build())).isEqualTo(updated);

        Status noId = failure(() -> ts.admin().updateEntry(updated.toBuilder().clearId().build()));
        assertStatus(noId, Status.Code.INVALID_ARGUMENT, "id: ");
    }

    @Test
    void unknownEntriesAndAgentsAreNotFound() {
        Entry ghost = entry("ghost", "spiffe://td/ghost").setAnyNode(true).build();
        assertStatus(failure(() -> ts.admin().updateEntry(ghost)), Status.Code.NOT_FOUND, "ghost");
        assertStatus(failure(() -> ts.admin().deleteEntry(EntryRef.newBuilder().setId("ghost").build())), Status.Code.NOT_FOUND, "ghost");
        assertStatus(failure(() -> ts.admin().getEntry(EntryRef.newBuilder().setId("ghost").build())), Status.Code.NOT_FOUND, "ghost");
        assertThat(entryCount()).isZero();

        String agentId = "spiffe://td/signet/agent/join_token/ghost";
        assertStatus(failure(() -> ts.admin().evictAgent(AgentRef.newBuilder().setSpiffeId(agentId).build())), Status.Code.NOT_FOUND, agentId);
        assertStatus(failure(() -> ts.admin().banAgent(AgentRef.newBuilder().setSpiffeId(agentId).build())), Status.Code.NOT_FOUND, agentId);
        Status badId = failure(() -> ts.admin().banAgent(AgentRef.newBuilder().setSpiffeId("nope").build()));
        assertThat(badId.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badId.getDescription()).startsWith("spiffe_id: ");
    }

    @Test
    void deleteRemovesTheEntry() {
        ts.createEntry(entry("web", "spiffe://td/web").setAnyNode(true).build());
        ts.admin().deleteEntry(EntryRef.newBuilder().setId("web").build());
        assertThat(entryCount()).isZero();
        assertStatus(failure(() -> ts.admin().deleteEntry(EntryRef.newBuilder().setId("web").build())), Status.Code.NOT_FOUND, "web");
    }

    @Test
    void joinTokenHasDefaultTtlAndEchoesLabels() {
        JoinToken t = ts.admin().createJoinToken(CreateJoinTokenRequest.newBuilder().putLabels("env", "prod").build());

        assertThat(t.getToken()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(t.getExpiresAtUnix()).isEqualTo(clock.instant().plusSeconds(600).getEpochSecond());
        assertThat(t.getLabelsMap()).isEqualTo(Map.of("env", "prod"));

        JoinToken day = ts.admin().createJoinToken(CreateJoinTokenRequest.newBuilder().setTtlSeconds(86400).build());
        assertThat(day.getExpiresAtUnix()).isEqualTo(clock.instant().plusSeconds(86400).getEpochSecond());
        assertThat(day.getToken()).isNotEqualTo(t.getToken());
    }

    @Test
    void joinTokenTtlIsValidated() {
        assertStatus(failure(() -> ts.admin().createJoinToken(CreateJoinTokenRequest.newBuilder().setTtlSeconds(-1).build())),
                Status.Code.INVALID_ARGUMENT, "ttl: ");
        assertStatus(failure(() -> ts.admin().createJoinToken(CreateJoinTokenRequest.newBuilder().setTtlSeconds(365L * 86400 + 1).build())),
                Status.Code.INVALID_ARGUMENT, "ttl: ");
        assertThat(ts.admin().createJoinToken(CreateJoinTokenRequest.newBuilder().setTtlSeconds(365L * 86400).build()).getExpiresAtUnix())
                .isEqualTo(clock.instant().plusSeconds(365L * 86400).getEpochSecond());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "bad key     | v",
        "k:v         | v",
        "''          | v",
        "k           | ''"})
    void joinTokenLabelsAreValidated(String key, String value) {
        Status s = failure(() -> ts.admin().createJoinToken(CreateJoinTokenRequest.newBuilder().putLabels(key, value).build()));

        assertThat(s.getCode()).as("%s", s).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(s.getDescription()).startsWith("labels: ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"line\nbreak", "tab\there", "nul\u0000"})
    void joinTokenLabelValuesMustBePrintable(String value) {
        Status s = failure(() -> ts.admin().createJoinToken(CreateJoinTokenRequest.newBuilder().putLabels("k", value).build()));

        assertStatus(s, Status.Code.INVALID_ARGUMENT, "labels: value of \"k\"");
    }

    @Test
    void joinTokenLabelLengthLimits() {
        String key128 = "k".repeat(128);
        String value256 = "v".repeat(256);
        assertThat(ts.admin().createJoinToken(CreateJoinTokenRequest.newBuilder().putLabels(key128, value256).build()).getLabelsMap())
                .containsEntry(key128, value256);
        assertThat(failure(() -> ts.admin().createJoinToken(CreateJoinTokenRequest.newBuilder().putLabels(key128 + "k", "v").build()))
                .getDescription()).startsWith("labels: ");
        assertThat(failure(() -> ts.admin().createJoinToken(CreateJoinTokenRequest.newBuilder().putLabels("k", value256 + "v").build()))
                .getDescription()).startsWith("labels: ");
    }
}
