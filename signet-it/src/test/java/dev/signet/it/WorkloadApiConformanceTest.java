package dev.signet.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Pem;
import dev.signet.it.harness.RawWorkloadClient;
import dev.signet.it.harness.SignetAgent;
import dev.signet.it.harness.SignetServer;
import dev.signet.proto.workload.SpiffeWorkloadAPIGrpc;
import dev.signet.proto.workload.X509BundlesRequest;
import dev.signet.proto.workload.X509BundlesResponse;
import dev.signet.proto.workload.X509SVID;
import dev.signet.proto.workload.X509SVIDRequest;
import dev.signet.proto.workload.X509SVIDResponse;
import dev.signet.testing.Poll;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Black-box Workload API conformance (spiffe-rules.md §1.A, 1.B, 1.E, 1.F) against a real agent process, with
 * this test JVM (root, uid 0) as the workload: it has two entries, one with a hint. Rules tested elsewhere
 * are named in docs/conformance.md.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class WorkloadApiConformanceTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private SignetServer server;
    private SignetAgent agent;
    private String first;
    private String second;

    @BeforeAll
    void cluster() {
        dev.signet.it.harness.Uids.assumeRoot();
        server = SignetServer.start("conformance-server");
        agent = SignetAgent.start("conformance-agent", server, server.token());
        String a = server.createEntry("--spiffe-id", SignetServer.id("/conformance/a"), "--any-node", "--selector", "unix:uid:0")
                .get("id").asText();
        String b = server.createEntry("--spiffe-id", SignetServer.id("/conformance/b"), "--any-node", "--selector", "unix:uid:0",
                "--hint", "internal").get("id").asText();
        first = a.compareTo(b) < 0 ? SignetServer.id("/conformance/a") : SignetServer.id("/conformance/b");
        second = first.equals(SignetServer.id("/conformance/a")) ? SignetServer.id("/conformance/b") : SignetServer.id("/conformance/a");
        Poll.until(WAIT, "both SVIDs served", () -> {
            try (RawWorkloadClient c = RawWorkloadClient.open(agent.socket(), "true")) {
                return c.firstX509().getSvidsCount() == 2;
            } catch (StatusRuntimeException e) {
                return false;
            }
        });
    }

    @AfterAll
    void stop() {
        if (agent != null) {
            agent.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private X509SVIDResponse fetch() {
        try (RawWorkloadClient c = RawWorkloadClient.open(agent.socket(), "true")) {
            return c.firstX509();
        }
    }

    @Test
    void E1_E2_E5_theEndpointIsAUnixSocketServingPlaintextGrpc() throws Exception {
        Path socket = agent.socket();
        assertThat(Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).isOther())
                .as("a socket file, not a TCP listener").isTrue();
        assertThat(fetch().getSvidsCount()).as("plaintext h2c over the Unix socket").isEqualTo(2);
    }

    @Test
    void W10_W27_svidsAreNeverEmptyAndTheirOrderIsStableAcrossCalls() {
        for (int i = 0; i < 3; i++) {
            X509SVIDResponse r = fetch();
            assertThat(r.getSvidsList()).extracting(X509SVID::getSpiffeId).containsExactly(first, second);
        }
    }

    @Test
    void W11_ID1_X1_X7_everySvidIsALeafWhoseSingleUriSanEqualsItsSpiffeId() {
        for (X509SVID svid : fetch().getSvidsList()) {
            List<X509Certificate> chain = Pem.decodeDerSequence(svid.getX509Svid().toByteArray());
            X509Certificate leaf = chain.get(0);
            assertThat(leaf.getBasicConstraints()).as("X-7: x509_svid[0] is never a CA").isEqualTo(-1);
            assertThat(Certificates.uriSans(leaf)).containsExactly(svid.getSpiffeId());
            assertThat(svid.getSpiffeId()).matches("^spiffe://[^/?#]+(/[^?#]*)?$");
            assertThat(svid.getBundle().isEmpty()).isFalse();
        }
    }

    @Test
    void W12_hintsAreCarriedAndUnique() {
        List<String> hints = fetch().getSvidsList().stream().map(X509SVID::getHint).filter(h -> !h.isEmpty()).toList();
        assertThat(hints).containsExactly("internal");
    }

    @Test
    void W15_W16_bundlesHoldOnlyCaCertificatesOfTheOwnTrustDomain() {
        try (RawWorkloadClient c = RawWorkloadClient.open(agent.socket(), "true")) {
            Iterator<X509BundlesResponse> it = c.blocking().withDeadlineAfter(10, TimeUnit.SECONDS)
                    .fetchX509Bundles(X509BundlesRequest.getDefaultInstance());
            X509BundlesResponse r = it.next();
            assertThat(r.getBundlesMap()).containsOnlyKeys("spiffe://example.org");
            for (X509Certificate ca : Pem.decodeDerSequence(r.getBundlesMap().get("spiffe://example.org").toByteArray())) {
                assertThat(ca.getBasicConstraints()).as("W-15: only CAs").isGreaterThanOrEqualTo(0);
                assertThat(Certificates.uriSans(ca)).as("ID-8").containsExactly("spiffe://example.org");
            }
        }
        for (X509SVID svid : fetch().getSvidsList()) {
            for (X509Certificate ca : Pem.decodeDerSequence(svid.getBundle().toByteArray())) {
                assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
            }
        }
    }

    @Test
    void W5_firstMessageOfEachStreamArrivesPromptly() throws Exception {
        try (RawWorkloadClient c = RawWorkloadClient.open(agent.socket(), "true")) {
            long start = System.nanoTime();
            CompletableFuture<X509SVIDResponse> svids = new CompletableFuture<>();
            SpiffeWorkloadAPIGrpc.newStub(c.blocking().getChannel())
                    .fetchX509SVID(X509SVIDRequest.getDefaultInstance(), firstOf(svids));
            CompletableFuture<X509BundlesResponse> bundles = new CompletableFuture<>();
            SpiffeWorkloadAPIGrpc.newStub(c.blocking().getChannel())
                    .fetchX509Bundles(X509BundlesRequest.getDefaultInstance(), firstOf(bundles));
            svids.get(5, TimeUnit.SECONDS);
            bundles.get(5, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void W2_witMethodsAreUnimplemented() {
        try (RawWorkloadClient c = RawWorkloadClient.open(agent.socket(), "true")) {
            for (String rpc : List.of("FetchWITSVID", "FetchWITBundles")) {
                MethodDescriptor<com.google.protobuf.Empty, com.google.protobuf.Empty> m = MethodDescriptor
                        .<com.google.protobuf.Empty, com.google.protobuf.Empty>newBuilder()
                        .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
                        .setFullMethodName("SpiffeWorkloadAPI/" + rpc)
                        .setRequestMarshaller(ProtoUtils.marshaller(com.google.protobuf.Empty.getDefaultInstance()))
                        .setResponseMarshaller(ProtoUtils.marshaller(com.google.protobuf.Empty.getDefaultInstance()))
                        .build();
                ClientCall<com.google.protobuf.Empty, com.google.protobuf.Empty> call = c.blocking().getChannel()
                        .newCall(m, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
                Iterator<com.google.protobuf.Empty> it = ClientCalls.blockingServerStreamingCall(call, com.google.protobuf.Empty.getDefaultInstance());
                assertThatThrownBy(it::next).isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).as(rpc).isEqualTo(Status.Code.UNIMPLEMENTED));
            }
        }
    }

    @Test
    void E10_W3_reflectionListsSpiffeWorkloadApiWithExactlyTheStandardMethods() throws Exception {
        try (RawWorkloadClient c = RawWorkloadClient.open(agent.socket(), "true")) {
            List<ServerReflectionResponse> responses = new ArrayList<>();
            CompletableFuture<Void> done = new CompletableFuture<>();
            StreamObserver<ServerReflectionRequest> req = ServerReflectionGrpc.newStub(c.blocking().getChannel())
                    .serverReflectionInfo(new StreamObserver<>() {
                        @Override
                        public void onNext(ServerReflectionResponse v) {
                            responses.add(v);
                        }

                        @Override
                        public void onError(Throwable t) {
                            done.completeExceptionally(t);
                        }

                        @Override
                        public void onCompleted() {
                            done.complete(null);
                        }
                    });
            req.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
            req.onNext(ServerReflectionRequest.newBuilder().setFileContainingSymbol("SpiffeWorkloadAPI").build());
            req.onCompleted();
            done.get(10, TimeUnit.SECONDS);
            assertThat(responses.get(0).getListServicesResponse().getServiceList())
                    .extracting(s -> s.getName()).contains("SpiffeWorkloadAPI");
            com.google.protobuf.DescriptorProtos.FileDescriptorProto file = com.google.protobuf.DescriptorProtos.FileDescriptorProto
                    .parseFrom(responses.get(1).getFileDescriptorResponse().getFileDescriptorProto(0));
            assertThat(file.getPackage()).as("no proto package").isEmpty();
            assertThat(file.getServiceList()).singleElement().satisfies(s -> assertThat(s.getMethodList())
                    .extracting(m -> m.getName())
                    .containsExactlyInAnyOrder("FetchX509SVID", "FetchX509Bundles", "FetchJWTSVID", "FetchJWTBundles", "ValidateJWTSVID"));
        }
    }

    @Test
    void ID9_aTamperedSvidNoLongerValidates() throws Exception {
        X509SVID svid = fetch().getSvids(0);
        byte[] der = svid.getX509Svid().toByteArray();
        X509Certificate ca = Pem.decodeDerSequence(svid.getBundle().toByteArray()).get(0);
        X509Certificate leaf = Pem.decodeDerSequence(der).get(0);
        leaf.verify(ca.getPublicKey()); // intact: verifies
        byte[] tampered = leaf.getEncoded().clone();
        int at = indexOf(tampered, svid.getSpiffeId().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThat(at).as("the SPIFFE ID is in the signed part").isPositive();
        tampered[at + svid.getSpiffeId().length() - 1] ^= 0x01;
        X509Certificate forged = Certificates.parse(tampered);
        assertThatThrownBy(() -> forged.verify(ca.getPublicKey())).isInstanceOf(java.security.SignatureException.class);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static <T> StreamObserver<T> firstOf(CompletableFuture<T> f) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T v) {
                f.complete(v);
            }

            @Override
            public void onError(Throwable t) {
                f.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
        };
    }
}
