package dev.signet.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.signet.it.harness.CliResult;
import dev.signet.it.harness.RawWorkloadClient;
import dev.signet.it.harness.SharedCluster;
import dev.signet.it.harness.SignetAgent;
import dev.signet.it.harness.SignetServer;
import dev.signet.it.harness.Uids;
import dev.signet.it.harness.Uids.Uid;
import dev.signet.it.harness.Workload;
import dev.signet.proto.workload.ValidateJWTSVIDRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hostile bytes on the agent's Workload API socket — random garbage, garbage after a valid HTTP/2 preface,
 * oversized requests — are refused (RESOURCE_EXHAUSTED or a closed connection) without harming
 * the agent: afterwards a normal workload still gets its SVID and the server still has every entry.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class MalformedTrafficTest {
    private static final String H2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

    private SignetServer server;
    private SignetAgent agent;
    private Uid uid;
    private String id;
    private JsonNode entriesBefore;

    @BeforeAll
    void cluster() {
        SharedCluster c = SharedCluster.get();
        server = c.server();
        agent = c.agent();
        id = SignetServer.id("/it/malformed/survivor");
        if (Uids.isRoot()) {
            uid = Uids.unlisted();
            server.createEntry("--spiffe-id", id, "--any-node", "--selector", uid.selector());
            Workload.fetchUntilOk(uid, agent.socket(), Duration.ofSeconds(30));
        }
        entriesBefore = server.entries();
    }

    /** After every attack: the agent still runs, serves workloads, and nothing was lost on the server. */
    @AfterEach
    void agentStillServes() {
        assertThat(agent.process().isAlive()).as(agent.process()::tails).isTrue();
        try (RawWorkloadClient c = RawWorkloadClient.open(agent.socket(), "true")) {
            assertThatThrownBy(c::firstX509).as("the endpoint still answers (root has no entry)")
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        }
        if (uid != null) {
            CliResult r = Workload.fetch(uid, agent.socket());
            assertThat(r.exit()).as(r::toString).isZero();
            assertThat(r.json().get("svids").findValuesAsText("spiffe_id")).containsExactly(id);
        }
        assertThat(server.entries()).as("entry list after the attack").isEqualTo(entriesBefore);
    }

    @Test
    void randomGarbageOnTheSocketClosesThatConnectionOnly() throws Exception {
        byte[] garbage = new byte[4096];
        new Random(4242).nextBytes(garbage);
        assertThat(sendAndAwaitClose(garbage)).as("the agent closed the connection").isTrue();
    }

    @Test
    void garbageAfterAValidHttp2PrefaceClosesThatConnectionOnly() throws Exception {
        byte[] junk = new byte[4096];
        new Random(99).nextBytes(junk);
        byte[] preface = H2_PREFACE.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[preface.length + junk.length];
        System.arraycopy(preface, 0, all, 0, preface.length);
        System.arraycopy(junk, 0, all, preface.length, junk.length);
        assertThat(sendAndAwaitClose(all)).as("the agent closed the connection").isTrue();
    }

    @Test
    void oversizedRequestIsResourceExhausted() {
        String svid = "a".repeat(1024 * 1024);
        try (RawWorkloadClient c = RawWorkloadClient.open(agent.socket(), "true")) {
            assertThatThrownBy(() -> c.blocking().validateJWTSVID(
                    ValidateJWTSVIDRequest.newBuilder().setAudience("it").setSvid(svid).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).as(e.getStatus().toString())
                                    .isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        }
    }

    /**
     * Writes {@code bytes} to a raw connection and reads until the agent closes it; true if it did within 20 s.
     * What the agent sends before closing (e.g. an HTTP/2 GOAWAY) is read and ignored.
     */
    private boolean sendAndAwaitClose(byte[] bytes) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(agent.socket()));
            try {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            } catch (IOException closedWhileWriting) {
                return true; // the agent already hung up (EPIPE / reset)
            }
            CompletableFuture<Boolean> closed = CompletableFuture.supplyAsync(() -> {
                ByteBuffer in = ByteBuffer.allocate(8192);
                try {
                    while (true) {
                        in.clear();
                        if (ch.read(in) < 0) {
                            return true;
                        }
                    }
                } catch (IOException reset) {
                    return true;
                }
            });
            try {
                return closed.get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                return false;
            }
        }
    }
}
