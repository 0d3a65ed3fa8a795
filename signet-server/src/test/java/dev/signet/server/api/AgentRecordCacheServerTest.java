package dev.signet.server.api;

import static dev.signet.server.api.TestServer.assertStatus;
import static dev.signet.server.api.TestServer.entry;
import static dev.signet.server.api.TestServer.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Csrs;
import dev.signet.proto.admin.v1.AgentRef;
import dev.signet.proto.agent.v1.BatchNewX509SVIDRequest;
import dev.signet.proto.agent.v1.RenewAgentRequest;
import dev.signet.server.api.agent.AgentRecordCache;
import dev.signet.server.store.Datastore;
import dev.signet.server.store.sql.SqliteDatastore;
import dev.signet.testing.ManualClock;
import dev.signet.testing.Poll;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's agent-record cache as agents see it, on a manual clock that never lets a cached record expire unless
 * the test says so: a ban or eviction through the admin API denies the very next call, a renewed SVID is promoted,
 * and a ban written by another server sharing the database is seen within the cache's bound.
 */
class AgentRecordCacheServerTest {
    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private TestServer ts;
    private TestServer.AgentIdentity agent;

    @BeforeEach
    void start() throws Exception {
        ts = TestServer.start(dir, clock);
        agent = ts.attestNew(Map.of());
        ts.createEntry(entry("w", "spiffe://td/w").setParentId(agent.id().toString()).build());
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    private static BatchNewX509SVIDRequest oneCsr() {
        return TestServer.oneCsr("w");
    }

    private Status call(TestServer.AgentIdentity who) {
        try {
            assertThat(ts.as(who).batchNewX509SVID(oneCsr()).getResults(0).getError()).isEmpty();
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    @Test
    void banThroughTheAdminApiDeniesTheNextCall() {
        assertThat(call(agent).getCode()).isEqualTo(Status.Code.OK); // cached now
        Instant before = clock.instant();

        ts.admin().banAgent(AgentRef.newBuilder().setSpiffeId(agent.id().toString()).build());

        assertStatus(call(agent), Status.Code.PERMISSION_DENIED, "agent is banned");
        assertThat(clock.instant()).isEqualTo(before);
    }

    @Test
    void evictionThroughTheAdminApiDeniesTheNextCall() {
        assertThat(call(agent).getCode()).isEqualTo(Status.Code.OK);

        ts.admin().evictAgent(AgentRef.newBuilder().setSpiffeId(agent.id().toString()).build());

        assertStatus(call(agent), Status.Code.PERMISSION_DENIED, "not attested");
    }

    @Test
    void renewedSvidIsPromotedOnFirstUseAndABannedAgentsIsNot() {
        assertThat(call(agent).getCode()).isEqualTo(Status.Code.OK);
        KeyPair k1 = Crypto.generate(Crypto.KeyType.EC_P256);
        List<X509Certificate> c1 = ts.as(agent).renewAgent(RenewAgentRequest.newBuilder()
                .setCsr(ByteString.copyFrom(Csrs.create(k1))).build())
                .getSvidChainList().stream().map(b -> Certificates.parse(b.toByteArray())).toList();
        TestServer.AgentIdentity renewed = new TestServer.AgentIdentity(agent.id(), c1, k1.getPrivate());

        assertThat(call(renewed).getCode()).isEqualTo(Status.Code.OK);
        assertThat(ts.agentRecord(agent.id()).getCertSerial()).isEqualTo(c1.get(0).getSerialNumber().toString(16));
        assertStatus(call(agent), Status.Code.PERMISSION_DENIED, "not active");

        // renewed again, then banned before the newest SVID is used: it is never promoted
        KeyPair k2 = Crypto.generate(Crypto.KeyType.EC_P256);
        List<X509Certificate> c2 = ts.as(renewed).renewAgent(RenewAgentRequest.newBuilder()
                .setCsr(ByteString.copyFrom(Csrs.create(k2))).build())
                .getSvidChainList().stream().map(b -> Certificates.parse(b.toByteArray())).toList();
        ts.admin().banAgent(AgentRef.newBuilder().setSpiffeId(agent.id().toString()).build());
        assertStatus(call(new TestServer.AgentIdentity(agent.id(), c2, k2.getPrivate())), Status.Code.PERMISSION_DENIED, "agent is banned");
        assertThat(ts.agentRecord(agent.id()).getCertSerial()).isEmpty();
    }

    @Test
    void banByAnotherServerSharingTheDatabaseIsSeenWithinTheBound() {
        assertThat(call(agent).getCode()).isEqualTo(Status.Code.OK);
        try (Datastore other = SqliteDatastore.open(dir.resolve("data"), clock)) {
            other.agents().update(other.agents().get(agent.id()).orElseThrow().asBanned());
        }

        clock.advance(AgentRecordCache.DEFAULT_MAX_AGE);
        Poll.until(Duration.ofSeconds(10), "the other server's ban to deny the agent",
                () -> call(agent).getCode() == Status.Code.PERMISSION_DENIED);
        assertStatus(call(agent), Status.Code.PERMISSION_DENIED, "agent is banned");
    }
}
