package dev.signet.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Csrs;
import dev.signet.it.harness.Pki;
import dev.signet.it.harness.SignetServer;
import dev.signet.proto.agent.v1.AgentApiGrpc;
import dev.signet.proto.agent.v1.AttestAgentRequest;
import dev.signet.proto.agent.v1.AttestAgentResponse;
import dev.signet.server.store.PostgresTestDatabase;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.BlockingClientCall;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A join token attests exactly one agent even when two servers sharing one PostgreSQL database are asked at the
 * same moment: two AttestAgent streams (real TLS, the agent API's wire protocol) race with each token, one
 * through each server; exactly one gets an agent SVID, the other a clear refusal.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class JoinTokenRaceTest {
    private static final int TOKENS = 20;

    private PostgresTestDatabase db;
    private SignetServer a;
    private SignetServer b;

    @BeforeAll
    void cluster() {
        db = PostgresTestDatabase.newDatabase();
        String datastore = SignetServer.postgresDatastore(db.connectionString());
        a = SignetServer.start("race-server-a", Map.of(), datastore);
        b = SignetServer.start("race-server-b", Map.of(), datastore);
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {b, a, db}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // best effort
            }
        }
    }

    /** The outcome of one AttestAgent stream: the agent ID, or the refusal. */
    private record Outcome(String server, String agentId, Status refusal) {}

    @Test
    void eachTokenAttestsExactlyOneOfTwoAgentsRacingThroughDifferentServers() throws Exception {
        List<X509Certificate> roots = Pki.certs(a.cli("bundle", "show").ok().stdout().getBytes());
        ManagedChannel toA = channel(a, roots);
        ManagedChannel toB = channel(b, roots);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<String> winners = new ArrayList<>();
            int wonThroughA = 0;
            for (int i = 0; i < TOKENS; i++) {
                String token = (i % 2 == 0 ? a : b).token();
                CyclicBarrier start = new CyclicBarrier(2);
                Future<Outcome> viaA = pool.submit(() -> attest(toA, a.name(), token, start));
                Future<Outcome> viaB = pool.submit(() -> attest(toB, b.name(), token, start));
                Outcome oa = viaA.get(60, TimeUnit.SECONDS);
                Outcome ob = viaB.get(60, TimeUnit.SECONDS);
                List<Outcome> won = new ArrayList<>();
                List<Outcome> lost = new ArrayList<>();
                for (Outcome o : List.of(oa, ob)) {
                    (o.agentId() != null ? won : lost).add(o);
                }
                assertThat(won).as("token %d: exactly one of %s and %s attests", i, oa, ob).hasSize(1);
                assertThat(won.get(0).agentId()).isEqualTo(SignetServer.agentId(token));
                Status refusal = lost.get(0).refusal();
                assertThat(refusal.getCode()).as("token %d: the loser's status (%s)", i, lost.get(0))
                        .isEqualTo(Status.Code.PERMISSION_DENIED);
                assertThat(refusal.getDescription()).as("token %d", i).isEqualTo("join_token: token is unknown or was already used");
                winners.add(won.get(0).agentId());
                if (won.get(0).server().equals(a.name())) {
                    wonThroughA++;
                }
            }
            System.out.println("JoinTokenRaceTest: of " + TOKENS + " contested tokens " + wonThroughA + " were won through "
                    + a.name() + " and " + (TOKENS - wonThroughA) + " through " + b.name());
            // Every winner, and nothing else, is an attested agent, as both servers see it.
            for (SignetServer s : List.of(a, b)) {
                assertThat(s.agents().findValuesAsText("spiffe_id")).as("agents listed by " + s.name())
                        .containsExactlyInAnyOrderElementsOf(winners);
            }
        } finally {
            pool.shutdownNow();
            toA.shutdownNow();
            toB.shutdownNow();
        }
    }

    private static Outcome attest(ManagedChannel ch, String server, String token, CyclicBarrier start) throws Exception {
        byte[] csr = Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256));
        AttestAgentRequest first = AttestAgentRequest.newBuilder().setAttestor("join_token")
                .setPayload(ByteString.copyFromUtf8(token)).setCsr(ByteString.copyFrom(csr)).build();
        start.await(30, TimeUnit.SECONDS);
        BlockingClientCall<AttestAgentRequest, AttestAgentResponse> call = AgentApiGrpc.newBlockingV2Stub(ch)
                .withDeadlineAfter(30, TimeUnit.SECONDS).attestAgent();
        try {
            call.write(first);
            AttestAgentResponse r = call.read();
            call.halfClose();
            if (r == null || r.getSvidChainCount() == 0) {
                return new Outcome(server, null, Status.INTERNAL.withDescription("no result: " + r));
            }
            return new Outcome(server, r.getSpiffeId(), null);
        } catch (StatusException e) {
            return new Outcome(server, null, e.getStatus());
        }
    }

    /** TLS to the server's agent API, trusting the bundle's roots; the server SVID names localhost. */
    private static ManagedChannel channel(SignetServer s, List<X509Certificate> roots) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        for (int i = 0; i < roots.size(); i++) {
            ks.setCertificateEntry("root-" + i, roots.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return NettyChannelBuilder.forAddress("127.0.0.1", s.port()).overrideAuthority("localhost")
                .sslContext(GrpcSslContexts.forClient().trustManager(tmf).build()).build();
    }
}
