package dev.signet.server.api.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.core.intention.Action;
import dev.signet.core.registration.Entry;
import dev.signet.core.registration.Parent;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Crypto;
import dev.signet.proto.agent.v1.SyncAuthorizedResponse;
import dev.signet.server.authorization.EntryCache;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.store.AgentRecord;
import dev.signet.server.store.Datastore;
import dev.signet.server.store.sql.SqliteDatastore;
import dev.signet.testing.Poll;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which agents the hub recomputes: on a real SQLite store, CA and entry cache, with the streams the gRPC server
 * would hand it recorded. Ordering makes the checks exact without waiting for something not to happen: the hub runs
 * one round after another on one thread, so a later change an agent does see proves the earlier ones were handled.
 */
class SyncHubTest {
    private static final TrustDomain TD = new TrustDomain("td");
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final SpiffeId A = SpiffeId.parse("spiffe://td/signet/agent/join_token/a");
    private static final SpiffeId B = SpiffeId.parse("spiffe://td/signet/agent/join_token/b");
    private static final SpiffeId C = SpiffeId.parse("spiffe://td/signet/agent/join_token/c");

    @TempDir
    Path dir;
    private Datastore store;
    private EntryCache cache;
    private SyncHub hub;

    /** What the hub sent one agent's stream. */
    static final class Recorded extends ServerCallStreamObserver<SyncAuthorizedResponse> {
        final List<SyncAuthorizedResponse> messages = new CopyOnWriteArrayList<>();
        volatile Status error;

        @Override
        public void onNext(SyncAuthorizedResponse value) {
            messages.add(value);
        }

        @Override
        public void onError(Throwable t) {
            error = Status.fromThrowable(t);
        }

        @Override
        public void onCompleted() {
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void setOnCancelHandler(Runnable onCancelHandler) {
        }

        @Override
        public void setCompression(String compression) {
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setOnReadyHandler(Runnable onReadyHandler) {
        }

        @Override
        public void disableAutoInboundFlowControl() {
        }

        @Override
        public void request(int count) {
        }

        @Override
        public void setMessageCompression(boolean enable) {
        }

        List<String> lastEntryIds() {
            return messages.get(messages.size() - 1).getEntriesList().stream().map(e -> e.getId()).toList();
        }
    }

    @BeforeEach
    void start() throws Exception {
        Clock clock = Clock.systemUTC();
        store = SqliteDatastore.open(dir.resolve("data"), clock);
        CertificateAuthority ca = new CertificateAuthority(TD, dir.resolve("ca"), Crypto.KeyType.EC_P256, Duration.ofHours(24),
                store.bundles(), clock);
        ca.initialize();
        cache = new EntryCache(store.entries());
        hub = new SyncHub(cache, store.agents(), ca, store.intentions(), Action.DENY, store.templates());
        cache.reload();
    }

    @AfterEach
    void stop() {
        hub.close();
        store.close();
    }

    private static AgentRecord agent(SpiffeId id, String... nodeSelectors) {
        TreeSet<Selector> s = new TreeSet<>();
        for (String x : nodeSelectors) {
            s.add(Selector.parse(x));
        }
        return new AgentRecord(id, "join_token", s, "01", Instant.now().plusSeconds(3600), "", null, false, Instant.now(), null);
    }

    private static Entry entry(String id, Parent parent) {
        return new Entry(id, SpiffeId.parse("spiffe://td/" + id), parent, new TreeSet<>(Set.of(Selector.parse("unix:uid:1"))),
                null, List.of(), "", 0, null);
    }

    private Recorded subscribe(SpiffeId id) {
        Recorded r = new Recorded();
        hub.subscribe(id, r);
        Poll.until(DEADLINE, id + "'s first message", () -> r.messages.size() == 1);
        return r;
    }

    @Test
    void attestationAndEntryChangesRecomputeOnlyTheAgentsConcerned() {
        store.agents().create(agent(A, "k8s:node:n1"));
        store.agents().create(agent(B, "k8s:node:n2"));
        Recorded a = subscribe(A);
        Recorded b = subscribe(B);
        long computed = hub.messagesComputed();

        // C attests (as AgentApiService does it: the record, then the hub told of that agent); A and B are not recomputed
        store.agents().create(agent(C, "k8s:node:n1"));
        hub.agentChanged(C);
        // an entry for A only: A is recomputed and sent it
        store.entries().create(entry("for-a", new Parent.AgentId(A)));
        Poll.until(DEADLINE, "A's message with its entry", () -> a.messages.size() == 2);
        assertThat(a.lastEntryIds()).containsExactly("for-a");
        assertThat(hub.messagesComputed() - computed).as("messages computed for C's attestation and A's entry").isEqualTo(1);
        assertThat(b.messages).hasSize(1);

        // an entry for node n2: only B
        store.entries().create(entry("for-n2", new Parent.NodeSelectors(new TreeSet<>(Set.of(Selector.parse("k8s:node:n2"))))));
        Poll.until(DEADLINE, "B's message with its entry", () -> b.messages.size() == 2);
        assertThat(b.lastEntryIds()).containsExactly("for-n2");
        assertThat(hub.messagesComputed() - computed).isEqualTo(2);
        assertThat(a.messages).hasSize(2);

        // an any-node entry: both
        store.entries().create(entry("all", new Parent.AnyNode()));
        Poll.until(DEADLINE, "both get the any-node entry", () -> a.messages.size() == 3 && b.messages.size() == 3);
        assertThat(a.lastEntryIds()).containsExactly("all", "for-a");
        assertThat(b.lastEntryIds()).containsExactly("all", "for-n2");
        assertThat(hub.messagesComputed() - computed).isEqualTo(4);

        // B re-attested with other node selectors: only B, which loses the n2 entry
        store.agents().update(agent(B, "k8s:node:n3"));
        hub.agentChanged(B);
        Poll.until(DEADLINE, "B's message after re-attestation", () -> b.messages.size() == 4);
        assertThat(b.lastEntryIds()).containsExactly("all");
        assertThat(hub.messagesComputed() - computed).isEqualTo(5);
        assertThat(a.messages).hasSize(3);

        // banned: B's stream closes, A untouched
        store.agents().update(agent(B, "k8s:node:n3").asBanned());
        Poll.until(DEADLINE, "B's stream closed", () -> b.error != null);
        assertThat(b.error.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(a.messages).hasSize(3);
    }

    @Test
    void anotherServersChangeRecomputesOnlyAgentsItConcerns() {
        store.agents().create(agent(A, "k8s:node:n1"));
        store.agents().create(agent(B, "k8s:node:n2"));
        Recorded a = subscribe(A);
        Recorded b = subscribe(B);
        long computed = hub.messagesComputed();
        try (Datastore other = SqliteDatastore.open(dir.resolve("data"), Clock.systemUTC())) {
            other.agents().create(agent(C, "k8s:node:n1")); // a foreign attestation
            other.entries().create(entry("for-b", new Parent.AgentId(B)));
        }
        assertThat(cache.reloadIfChanged()).isTrue(); // what the server's change-feed reaction does
        Poll.until(DEADLINE, "B's message with its entry", () -> b.messages.size() == 2);
        assertThat(b.lastEntryIds()).containsExactly("for-b");
        // every connected agent's record is re-read, but only B is recomputed
        assertThat(hub.messagesComputed() - computed).isEqualTo(1);
        assertThat(a.messages).hasSize(1);
    }
}
