package dev.signet.agent.endpoints.workload;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.DescriptorProtos;
import dev.signet.agent.attestor.workload.Caller;
import dev.signet.agent.cache.X509Identity;
import dev.signet.core.selector.Selector;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Crypto;
import dev.signet.proto.workload.JWTBundlesRequest;
import dev.signet.proto.workload.JWTSVIDRequest;
import dev.signet.proto.workload.ValidateJWTSVIDRequest;
import dev.signet.proto.workload.X509BundlesRequest;
import dev.signet.proto.workload.X509BundlesResponse;
import dev.signet.proto.workload.X509SVID;
import dev.signet.proto.workload.X509SVIDRequest;
import dev.signet.proto.workload.X509SVIDResponse;
import dev.signet.testing.Poll;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/** The Workload API's semantics (spiffe-rules.md 1.E, 1.F), through a real endpoint on a Unix socket. */
class WorkloadApiServiceTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki("example.org");
    private final FakeIdentitySource source = new FakeIdentitySource();
    private final FakeAttestor attestor = new FakeAttestor();
    private WorkloadEndpoint endpoint;
    private WorkloadClient client;

    @BeforeEach
    void start() throws Exception {
        endpoint = new WorkloadEndpoint(WorkloadEndpoint.Config.defaults(dir.resolve("agent.sock")), source, List.of(attestor));
        endpoint.start();
        client = new WorkloadClient(endpoint.socketPath());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        endpoint.stop();
        source.close();
    }

    private WorkloadClient.Recorder<X509SVIDResponse> fetchX509Svid() {
        WorkloadClient.Recorder<X509SVIDResponse> r = new WorkloadClient.Recorder<>();
        client.stub().fetchX509SVID(X509SVIDRequest.getDefaultInstance(), cast(r));
        return r;
    }

    private WorkloadClient.Recorder<X509BundlesResponse> fetchX509Bundles() {
        WorkloadClient.Recorder<X509BundlesResponse> r = new WorkloadClient.Recorder<>();
        client.stub().fetchX509Bundles(X509BundlesRequest.getDefaultInstance(), cast(r));
        return r;
    }

    @SuppressWarnings("unchecked")
    private static <T> StreamObserver<T> cast(WorkloadClient.Recorder<T> r) {
        return (StreamObserver<T>) (StreamObserver<?>) r;
    }

    // ---- E-3 / E-4: the security header ----

    static Stream<Arguments> badHeaders() {
        return Stream.of(
                Arguments.of("missing", new String[] {}),
                Arguments.of("True", new String[] {"True"}),
                Arguments.of("TRUE", new String[] {"TRUE"}),
                Arguments.of("1", new String[] {"1"}),
                Arguments.of("empty", new String[] {""}),
                Arguments.of("true twice", new String[] {"true", "true"}),
                Arguments.of("true and false", new String[] {"true", "false"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badHeaders")
    void E3_E4_headerOtherThanOneTrueIsInvalidArgumentBeforeAttestation(String name, String[] values) throws Exception {
        source.set(pki.update(pki.identity("e1", "/workload", "")));
        WorkloadClient.Recorder<X509SVIDResponse> r = new WorkloadClient.Recorder<>();
        client.stub(values).fetchX509SVID(X509SVIDRequest.getDefaultInstance(), cast(r));

        r.assertFailedWithoutMessages(Status.Code.INVALID_ARGUMENT, "security header missing from request");
        assertThat(attestor.callers).as("attestation must not run").isEmpty();
        assertThat(source.subscribed).isEmpty();
    }

    @Test
    void E3_headerTrueIsAccepted() throws Exception {
        source.set(pki.update(pki.identity("e1", "/workload", "")));
        WorkloadClient.Recorder<X509SVIDResponse> r = fetchX509Svid();
        assertThat(r.next().getSvidsCount()).isEqualTo(1);
        assertThat(r.status).isNotDone();
    }

    @Test
    void E4_missingHeaderIsInvalidArgumentOnEveryRpc() throws Exception {
        var noHeader = client.stub(new String[0]);
        List<WorkloadClient.Recorder<?>> calls = new ArrayList<>();
        WorkloadClient.Recorder<X509SVIDResponse> a = new WorkloadClient.Recorder<>();
        noHeader.fetchX509SVID(X509SVIDRequest.getDefaultInstance(), cast(a));
        calls.add(a);
        WorkloadClient.Recorder<X509BundlesResponse> b = new WorkloadClient.Recorder<>();
        noHeader.fetchX509Bundles(X509BundlesRequest.getDefaultInstance(), cast(b));
        calls.add(b);
        WorkloadClient.Recorder<dev.signet.proto.workload.JWTSVIDResponse> c = new WorkloadClient.Recorder<>();
        noHeader.fetchJWTSVID(JWTSVIDRequest.newBuilder().addAudience("a").build(), cast(c));
        calls.add(c);
        WorkloadClient.Recorder<dev.signet.proto.workload.JWTBundlesResponse> d = new WorkloadClient.Recorder<>();
        noHeader.fetchJWTBundles(JWTBundlesRequest.getDefaultInstance(), cast(d));
        calls.add(d);
        WorkloadClient.Recorder<dev.signet.proto.workload.ValidateJWTSVIDResponse> e = new WorkloadClient.Recorder<>();
        noHeader.validateJWTSVID(ValidateJWTSVIDRequest.newBuilder().setAudience("a").setSvid("x").build(), cast(e));
        calls.add(e);

        for (WorkloadClient.Recorder<?> call : calls) {
            call.assertFailedWithoutMessages(Status.Code.INVALID_ARGUMENT, "security header missing from request");
        }
        assertThat(attestor.callers).isEmpty();
    }

    // ---- E-7: the caller is identified by the kernel ----

    @Test
    void E7_attestorGetsTheKernelCredentialsOfTheCallerOffTheEventLoop() throws Exception {
        source.set(pki.update(pki.identity("e1", "/workload", "")));
        fetchX509Svid().next();

        long[] ids = ownIds();
        assertThat(attestor.callers).containsExactly(new Caller((int) ProcessHandle.current().pid(), (int) ids[0], (int) ids[1]));
        assertThat(attestor.threads).allSatisfy(t -> assertThat(t).startsWith("signet-workload-attest"));
        assertThat(source.subscribed).containsExactly(Set.of(new Selector("fake", "workload:a")));
    }

    /** Effective uid and gid of this JVM, which SO_PEERCRED reports. */
    static long[] ownIds() throws Exception {
        long uid = -1;
        long gid = -1;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                uid = Long.parseLong(line.split("\\s+")[2]);
            } else if (line.startsWith("Gid:")) {
                gid = Long.parseLong(line.split("\\s+")[2]);
            }
        }
        return new long[] {uid, gid};
    }

    @Test
    void selectorsOfAnotherTypeThanTheAttestorAreDropped() throws Exception {
        attestor.selectors = List.of(new Selector("fake", "workload:a"), new Selector("unix", "uid:0"));
        source.set(pki.update(pki.identity("e1", "/workload", "")));
        fetchX509Svid().next();
        assertThat(source.subscribed).containsExactly(Set.of(new Selector("fake", "workload:a")));
    }

    // ---- E-8: not ready / attestation failure ----

    @Test
    void E8_notReadyIsUnavailable() throws Exception {
        source.setReady(false);
        fetchX509Svid().assertFailedWithoutMessages(Status.Code.UNAVAILABLE, "agent is not ready to serve workloads yet");
        fetchX509Bundles().assertFailedWithoutMessages(Status.Code.UNAVAILABLE, "agent is not ready to serve workloads yet");
        assertThat(attestor.callers).isEmpty();
    }

    @Test
    void E8_attestationFailureIsUnavailableWithoutDetails() throws Exception {
        attestor.failure = "cannot read /proc/1/status";
        source.set(pki.update(pki.identity("e1", "/workload", "")));
        fetchX509Svid().assertFailedWithoutMessages(Status.Code.UNAVAILABLE, "workload attestation failed");
        assertThat(source.subscribed).isEmpty();
    }

    // ---- FetchX509SVID ----

    @Test
    void W13_E9_callerWithoutIdentityIsPermissionDeniedWithNoMessages() throws Exception {
        source.set(pki.noIdentity(false));
        fetchX509Svid().assertFailedWithoutMessages(Status.Code.PERMISSION_DENIED, "no identity issued");
        Poll.until(WAIT, "subscription closed", () -> source.activeSubscriptions() == 0);
    }

    @Test
    void W13_pendingIdentityWaitsForTheSvid() throws Exception {
        source.set(pki.noIdentity(true));
        WorkloadClient.Recorder<X509SVIDResponse> r = fetchX509Svid();
        Poll.until(WAIT, "subscribed", () -> source.activeSubscriptions() == 1);

        X509Identity id = pki.identity("e1", "/workload", "");
        source.set(pki.update(id));
        assertThat(r.next().getSvids(0).getSpiffeId()).isEqualTo("spiffe://example.org/workload");
        assertThat(r.status).isNotDone();
    }

    @Test
    void W4_W6_updatesReachTheOpenStreamWithTheFullState() throws Exception {
        X509Identity a = pki.identity("e1", "/a", "");
        X509Identity b = pki.identity("e2", "/b", "");
        source.set(pki.update(a, b));
        WorkloadClient.Recorder<X509SVIDResponse> r = fetchX509Svid();
        assertThat(ids(r.next())).containsExactly("spiffe://example.org/a", "spiffe://example.org/b");

        X509Identity rotatedA = pki.identity("e1", "/a", "");
        source.set(pki.update(rotatedA, b));
        X509SVIDResponse next = r.next();
        assertThat(ids(next)).containsExactly("spiffe://example.org/a", "spiffe://example.org/b");
        assertThat(leaf(next.getSvids(0))).isEqualTo(rotatedA.leaf());
        assertThat(leaf(next.getSvids(1))).isEqualTo(b.leaf());
        assertThat(next.getSvidsList()).allSatisfy(s -> assertThat(s.getBundle().isEmpty()).isFalse());
    }

    @Test
    void W14_removingOneIdentityOmitsIt() throws Exception {
        X509Identity a = pki.identity("e1", "/a", "");
        X509Identity b = pki.identity("e2", "/b", "");
        source.set(pki.update(a, b));
        WorkloadClient.Recorder<X509SVIDResponse> r = fetchX509Svid();
        assertThat(r.next().getSvidsCount()).isEqualTo(2);

        source.set(pki.update(b));
        assertThat(ids(r.next())).containsExactly("spiffe://example.org/b");
    }

    @Test
    void W14_removingAllIdentitiesEndsTheStreamWithPermissionDenied() throws Exception {
        source.set(pki.update(pki.identity("e1", "/a", "")));
        WorkloadClient.Recorder<X509SVIDResponse> r = fetchX509Svid();
        r.next();

        source.set(pki.noIdentity(false));
        Status status = r.awaitStatus();
        assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(status.getDescription()).isEqualTo("no identity issued");
        assertThat(r.messages).isEmpty();
        Poll.until(WAIT, "subscription closed", () -> source.activeSubscriptions() == 0 && endpoint.openStreams() == 0);
    }

    @Test
    void W11_W27_eachSvidIsAValidChainKeyAndBundleInOrder() throws Exception {
        X509Identity a = pki.identity("e1", "/a", "web");
        X509Identity b = pki.identity("e2", "/b", "");
        source.set(pki.update(a, b));
        X509SVIDResponse response = fetchX509Svid().next();

        X509SVID first = response.getSvids(0);
        List<X509Certificate> chain = parse(first.getX509Svid().toByteArray());
        assertThat(chain).containsExactly(a.leaf());
        assertThat(first.getSpiffeId()).isEqualTo(Certificates.uriSans(chain.get(0)).get(0)).isEqualTo("spiffe://example.org/a");
        assertThat(first.getHint()).isEqualTo("web");
        assertThat(response.getSvids(1).getHint()).isEmpty();

        PrivateKey key = Crypto.privateKeyFromPkcs8(first.getX509SvidKey().toByteArray());
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(key);
        signer.update(new byte[] {1, 2, 3});
        byte[] sig = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(chain.get(0).getPublicKey());
        verifier.update(new byte[] {1, 2, 3});
        assertThat(verifier.verify(sig)).as("key matches leaf").isTrue();

        List<X509Certificate> bundle = parse(first.getBundle().toByteArray());
        assertThat(bundle).containsExactly(pki.ca);
        assertThat(bundle.get(0).getBasicConstraints()).as("bundle holds CA certificates").isGreaterThanOrEqualTo(0);
        assertThat(response.getFederatedBundlesMap()).isEmpty();
    }

    @Test
    void W28_clientCancelUnsubscribes() throws Exception {
        source.set(pki.update(pki.identity("e1", "/a", "")));
        WorkloadClient.Recorder<X509SVIDResponse> r = fetchX509Svid();
        r.next();
        assertThat(source.activeSubscriptions()).isEqualTo(1);

        r.cancel();
        Poll.until(WAIT, "unsubscribed after cancel", () -> source.activeSubscriptions() == 0 && endpoint.openStreams() == 0);
    }

    @Test
    void logsPidAndOutcomeButNeverKeys() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(WorkloadApiService.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.list = new java.util.concurrent.CopyOnWriteArrayList<>(); // appended on gRPC threads while the test reads
        logs.start();
        logger.addAppender(logs);
        try {
            X509Identity id = pki.identity("e1", "/a", "");
            source.set(pki.update(id));
            WorkloadClient.Recorder<X509SVIDResponse> r = fetchX509Svid();
            r.next();
            source.set(pki.noIdentity(false));
            assertThat(r.awaitStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);

            String pid = Long.toString(ProcessHandle.current().pid());
            assertThat(logs.list).anySatisfy(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.DEBUG);
                assertThat(e.getFormattedMessage()).contains("FetchX509SVID from pid " + pid + ": sent message 1");
            });
            assertThat(logs.list).anySatisfy(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage()).contains("FetchX509SVID from pid " + pid + ": PERMISSION_DENIED \"no identity issued\"");
            });
            byte[] key = id.key().getEncoded();
            String[] secrets = {java.util.Base64.getEncoder().encodeToString(key).substring(0, 40),
                    java.util.HexFormat.of().formatHex(key).substring(0, 40), id.key().toString()};
            assertThat(logs.list).allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain(secrets));
        } finally {
            logger.detachAppender(logs);
        }
    }

    // ---- FetchX509Bundles ----

    @Test
    void W16_bundlesAreKeyedByTrustDomainId() throws Exception {
        source.set(pki.update(pki.identity("e1", "/a", "")));
        X509BundlesResponse response = fetchX509Bundles().next();
        assertThat(response.getBundlesMap()).containsOnlyKeys("spiffe://example.org");
        assertThat(parse(response.getBundlesMap().get("spiffe://example.org").toByteArray())).containsExactly(pki.ca);
    }

    @Test
    void W16_bundlesAreSentOnlyWhenTheyChange() throws Exception {
        source.set(pki.update(pki.identity("e1", "/a", "")));
        WorkloadClient.Recorder<X509BundlesResponse> r = fetchX509Bundles();
        r.next();

        source.set(pki.update(pki.identity("e1", "/a", ""))); // rotation: same bundle, no message
        TestPki next = new TestPki("example.org");
        source.set(new dev.signet.agent.cache.WorkloadUpdate(pki.trustDomain, List.of(pki.identity("e1", "/a", "")),
                List.of(pki.ca, next.ca), false));
        X509BundlesResponse changed = r.next();
        assertThat(parse(changed.getBundlesMap().get("spiffe://example.org").toByteArray())).containsExactly(pki.ca, next.ca);
        assertThat(r.messages).isEmpty();
    }

    @Test
    void W17_bundlesForACallerWithoutIdentityArePermissionDenied() throws Exception {
        source.set(pki.noIdentity(false));
        fetchX509Bundles().assertFailedWithoutMessages(Status.Code.PERMISSION_DENIED, "no identity issued");
    }

    // ---- E-10 / E-11 ----

    @Test
    void E10_reflectionListsSpiffeWorkloadApiWithExactlyItsRpcs() throws Exception {
        List<ServerReflectionResponse> responses = reflect(
                ServerReflectionRequest.newBuilder().setListServices("").build(),
                ServerReflectionRequest.newBuilder().setFileContainingSymbol("SpiffeWorkloadAPI").build());

        assertThat(responses.get(0).getListServicesResponse().getServiceList()).extracting(ServiceResponse::getName)
                .contains("SpiffeWorkloadAPI");
        DescriptorProtos.FileDescriptorProto file = DescriptorProtos.FileDescriptorProto.parseFrom(
                responses.get(1).getFileDescriptorResponse().getFileDescriptorProto(0));
        assertThat(file.getPackage()).as("no proto package").isEmpty();
        assertThat(file.getServiceList()).singleElement().satisfies(s -> assertThat(s.getMethodList())
                .extracting(DescriptorProtos.MethodDescriptorProto::getName)
                .containsExactlyInAnyOrder("FetchX509SVID", "FetchX509Bundles", "FetchJWTSVID", "FetchJWTBundles", "ValidateJWTSVID"));
    }

    private List<ServerReflectionResponse> reflect(ServerReflectionRequest... requests) throws Exception {
        WorkloadClient.Recorder<ServerReflectionResponse> r = new WorkloadClient.Recorder<>();
        StreamObserver<ServerReflectionRequest> out = ServerReflectionGrpc.newStub(client.channel).serverReflectionInfo(cast(r));
        List<ServerReflectionResponse> responses = new ArrayList<>();
        for (ServerReflectionRequest request : requests) {
            out.onNext(request);
            responses.add(r.next());
        }
        out.onCompleted();
        assertThat(r.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
        return responses;
    }

    @Test
    void E11_unknownMethodIsUnimplemented() throws Exception {
        MethodDescriptor<byte[], byte[]> bogus = RawMethods.serverStreaming("SpiffeWorkloadAPI/FetchWITSVID");
        WorkloadClient.Recorder<byte[]> r = new WorkloadClient.Recorder<>();
        ClientCalls.asyncServerStreamingCall(client.channel.newCall(bogus, CallOptions.DEFAULT.withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS)),
                new byte[0], cast(r));
        r.assertFailedWithoutMessages(Status.Code.UNIMPLEMENTED, null);
    }

    // ---- helpers ----

    private static List<String> ids(X509SVIDResponse response) {
        return response.getSvidsList().stream().map(X509SVID::getSpiffeId).toList();
    }

    private static X509Certificate leaf(X509SVID svid) throws Exception {
        return parse(svid.getX509Svid().toByteArray()).get(0);
    }

    static List<X509Certificate> parse(byte[] der) throws Exception {
        assertThat(der).isNotEmpty();
        List<X509Certificate> out = new ArrayList<>();
        try (InputStream in = new ByteArrayInputStream(der)) {
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
        }
        return out;
    }

}
