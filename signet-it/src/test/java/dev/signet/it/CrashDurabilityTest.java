package dev.signet.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.cli.common.UnixChannels;
import dev.signet.it.harness.SignetServer;
import dev.signet.proto.admin.v1.AdminApiGrpc;
import dev.signet.proto.admin.v1.ListEntriesRequest;
import dev.signet.proto.common.v1.Entry;
import dev.signet.proto.common.v1.Selector;
import dev.signet.server.store.PostgresTestDatabase;
import dev.signet.testing.Poll;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code kill -9} of a server in the middle of a burst of concurrent writes loses no write that was acknowledged,
 * on both backends: concurrent writers create entries through the admin API (gRPC on the admin socket), every
 * acknowledged entry is recorded, the server is SIGKILLed once a third of the burst is acknowledged, restarted on
 * the same data directory or database, and must hold every acknowledged entry — and nothing that was never sent.
 */
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class CrashDurabilityTest {
    private static final int WRITERS = 8;
    private static final int PER_WRITER = 40;
    /** Killed once this many writes were acknowledged: mid-burst. */
    private static final int KILL_AFTER = WRITERS * PER_WRITER / 3;

    @Test
    void sqliteKeepsEveryAcknowledgedWriteAcrossKill9() throws Exception {
        SignetServer s = SignetServer.start("crash-sqlite");
        try {
            burstKillRestartAndCheck(s);
        } finally {
            s.close();
        }
    }

    @Test
    void postgresKeepsEveryAcknowledgedWriteAcrossKill9() throws Exception {
        try (PostgresTestDatabase db = PostgresTestDatabase.newDatabase()) {
            SignetServer s = SignetServer.start("crash-postgres", Map.of(), SignetServer.postgresDatastore(db.connectionString()));
            try {
                burstKillRestartAndCheck(s);
            } finally {
                s.close();
            }
        }
    }

    private static void burstKillRestartAndCheck(SignetServer s) throws Exception {
        Map<String, String> acked = new ConcurrentHashMap<>(); // entry ID -> SPIFFE ID
        Set<String> attempted = ConcurrentHashMap.newKeySet(); // SPIFFE IDs sent, acknowledged or not
        AtomicInteger failed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        List<Future<?>> writers = new ArrayList<>();
        try (UnixChannels channels = UnixChannels.open(s.socket())) {
            AdminApiGrpc.AdminApiBlockingStub admin = AdminApiGrpc.newBlockingStub(channels.channel());
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                writers.add(pool.submit(() -> {
                    for (int n = 0; n < PER_WRITER; n++) {
                        String id = SignetServer.id("/it/crash/" + writer + "/" + n);
                        attempted.add(id);
                        try {
                            Entry e = admin.withDeadlineAfter(20, TimeUnit.SECONDS).createEntry(Entry.newBuilder()
                                    .setSpiffeId(id).setAnyNode(true)
                                    .addSelectors(Selector.newBuilder().setType("unix").setValue("uid:" + (10000 + writer * 1000 + n)))
                                    .build());
                            acked.put(e.getId(), e.getSpiffeId());
                        } catch (StatusRuntimeException ex) {
                            failed.incrementAndGet();
                            return; // the server is gone: this writer's burst ends with an unknown outcome
                        }
                    }
                }));
            }
            Poll.until(Duration.ofSeconds(60), KILL_AFTER + " acknowledged writes", () -> acked.size() >= KILL_AFTER);
            s.kill();
            for (Future<?> f : writers) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        Map<String, String> ackedAtKill = new HashMap<>(acked);
        assertThat(failed.get()).as("writes were still in flight when the server was killed (mid-burst)").isPositive();
        assertThat(ackedAtKill.size()).isLessThan(WRITERS * PER_WRITER);

        s.restart(); // waits for a passing healthcheck: nothing half-written breaks startup
        Map<String, String> stored = new HashMap<>();
        try (UnixChannels channels = UnixChannels.open(s.socket())) {
            for (Entry e : AdminApiGrpc.newBlockingStub(channels.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .listEntries(ListEntriesRequest.getDefaultInstance()).getEntriesList()) {
                stored.put(e.getId(), e.getSpiffeId());
            }
        }
        System.out.println("CrashDurabilityTest " + s.name() + ": " + ackedAtKill.size() + " writes acknowledged before kill -9, "
                + failed.get() + " failed in flight, " + stored.size() + " entries after restart");
        assertThat(stored).as("every acknowledged entry survived kill -9, with its SPIFFE ID").containsAllEntriesOf(ackedAtKill);
        assertThat(attempted).as("nothing was stored that was never sent").containsAll(stored.values());
        assertThat(stored.size()).as("at most the in-flight writes were committed without an acknowledgement")
                .isLessThanOrEqualTo(ackedAtKill.size() + failed.get());
    }
}
