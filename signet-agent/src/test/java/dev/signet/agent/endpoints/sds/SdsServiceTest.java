package dev.signet.agent.endpoints.sds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.DescriptorProtos;
import dev.signet.agent.cache.X509Identity;
import dev.signet.agent.endpoints.workload.WorkloadEndpoint;
import dev.signet.core.x509.KeyMatch;
import dev.signet.core.x509.Pem;
import dev.signet.proto.workload.SpiffeWorkloadAPIGrpc;
import dev.signet.proto.workload.X509SVIDRequest;
import dev.signet.proto.workload.X509SVIDResponse;
import dev.signet.testing.Poll;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * Envoy SDS v3 through a real {@link WorkloadEndpoint} on a Unix socket, with a client built from the
 * Envoy API protos. "Nothing was sent" is proven without waiting: the stream is ordered, so after the
 * request under test the test causes a known response (a rotation or a name change) and checks that it
 * is the very next message.
 */
class SdsServiceTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final Pki pki = new Pki("example.org");
    private final FakeSource source = new FakeSource();
    private final FixedAttestor attestor = new FixedAttestor();
    private final X509Identity a = pki.identity("e1", "/a");
    private final X509Identity b = pki.identity("e2", "/b");
    private final List<ListAppender<ILoggingEvent>> appenders = new ArrayList<>();
    private WorkloadEndpoint endpoint;
    private SdsClient client;

    @BeforeEach
    void start() throws Exception {
        endpoint = new WorkloadEndpoint(WorkloadEndpoint.Config.defaults(dir.resolve("agent.sock")), source, List.of(attestor));
        endpoint.start();
        client = new SdsClient(endpoint.socketPath());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        endpoint.stop();
        source.close();
        Logger logger = (Logger) LoggerFactory.getLogger(SecretsCall.class);
        appenders.forEach(logger::detachAppender);
    }

    private static String id(X509Identity identity) {
        return identity.entry().spiffeId().toString();
    }

    private static TlsCertificate tls(Secret secret) {
        assertThat(secret.hasTlsCertificate()).as("secret %s is a TLS certificate", secret.getName()).isTrue();
        return secret.getTlsCertificate();
    }

    private static List<X509Certificate> trustedCa(Secret secret) {
        assertThat(secret.hasValidationContext()).as("secret %s is a validation context", secret.getName()).isTrue();
        return Pem.decodeCertificates(secret.getValidationContext().getTrustedCa().getInlineBytes().toString(StandardCharsets.US_ASCII));
    }

    /** Asserts the secret carries exactly {@code identity}: its chain and a key that matches the leaf. */
    private static void assertCarries(Secret secret, X509Identity identity) {
        TlsCertificate tls = tls(secret);
        List<X509Certificate> chain = Pem.decodeCertificates(tls.getCertificateChain().getInlineBytes().toString(StandardCharsets.US_ASCII));
        PrivateKey key = Pem.decodePrivateKey(tls.getPrivateKey().getInlineBytes().toString(StandardCharsets.US_ASCII));
        assertThat(chain).isEqualTo(identity.chain());
        assertThat(KeyMatch.matches(chain.get(0).getPublicKey(), key)).as("private key matches the leaf").isTrue();
        assertThat(key.getEncoded()).isEqualTo(identity.key().getEncoded());
    }

    // ---- FetchSecrets ----

    @Test
    void fetchDefaultIsTheFirstSvidAsInlinePemWhoseKeyMatchesTheCertificate() {
        source.set(pki.update(a, b));

        DiscoveryResponse response = client.fetch("default");

        assertThat(response.getTypeUrl()).isEqualTo(SdsClient.TYPE_URL);
        assertThat(response.getVersionInfo()).isNotEmpty();
        List<Secret> secrets = SdsClient.secrets(response);
        assertThat(secrets).singleElement().satisfies(s -> {
            assertThat(s.getName()).isEqualTo("default");
            assertCarries(s, a);
        });
        assertThat(tls(secrets.get(0)).getCertificateChain().getInlineBytes().toStringUtf8()).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(tls(secrets.get(0)).getPrivateKey().getInlineBytes().toStringUtf8()).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(attestor.callers).as("the caller was attested").isNotEmpty();
    }

    @Test
    void fetchBySpiffeIdGivesThatSvidUnderThatName() {
        source.set(pki.update(a, b));

        List<Secret> secrets = SdsClient.secrets(client.fetch(id(b)));

        assertThat(secrets).singleElement().satisfies(s -> {
            assertThat(s.getName()).isEqualTo(id(b));
            assertCarries(s, b);
        });
    }

    @Test
    void fetchRootCaAndTrustDomainNamesGiveTheOwnBundleAsTrustedCa() {
        source.set(pki.update(a));

        List<Secret> secrets = SdsClient.secrets(client.fetch("ROOTCA", "example.org", "spiffe://example.org"));

        assertThat(secrets).extracting(Secret::getName).containsExactly("ROOTCA", "example.org", "spiffe://example.org");
        for (Secret s : secrets) {
            assertThat(trustedCa(s)).containsExactly(pki.ca);
        }
    }

    @Test
    void fetchAllGivesTheBundlesForEnvoysSpiffeValidator() throws Exception {
        source.set(pki.update(a));

        Secret all = SdsClient.secrets(client.fetch("ALL")).get(0);

        assertThat(all.getName()).isEqualTo("ALL");
        CertificateValidationContext vc = all.getValidationContext();
        assertThat(vc.getCustomValidatorConfig().getName()).isEqualTo("envoy.tls.cert_validator.spiffe");
        SPIFFECertValidatorConfig config = vc.getCustomValidatorConfig().getTypedConfig().unpack(SPIFFECertValidatorConfig.class);
        assertThat(config.getTrustDomainsList()).singleElement().satisfies(td -> {
            assertThat(td.getName()).isEqualTo("example.org");
            assertThat(Pem.decodeCertificates(td.getTrustBundle().getInlineBytes().toStringUtf8())).containsExactly(pki.ca);
        });
    }

    @Test
    void fetchWithoutNamesGivesEverythingUnderCanonicalNames() {
        source.set(pki.update(a, b));

        List<Secret> secrets = SdsClient.secrets(client.fetch());

        assertThat(secrets).extracting(Secret::getName).containsExactly("spiffe://example.org", id(a), id(b));
        assertThat(trustedCa(secrets.get(0))).containsExactly(pki.ca);
        assertCarries(secrets.get(1), a);
        assertCarries(secrets.get(2), b);
    }

    @Test
    void duplicateAndEmptyNamesAreAnsweredOnceInRequestOrder() {
        source.set(pki.update(a));

        assertThat(SdsClient.names(client.fetch("ROOTCA", "", "default", "ROOTCA"))).containsExactly("ROOTCA", "default");
    }

    static Stream<Arguments> notEntitled() {
        return Stream.of(
                Arguments.of("someone else's SPIFFE ID", new String[] {"spiffe://example.org/c"}),
                Arguments.of("own ID with another's", new String[] {"default", "spiffe://example.org/a", "spiffe://example.org/c"}),
                Arguments.of("ID differing in case", new String[] {"spiffe://example.org/A"}),
                Arguments.of("another trust domain's ID", new String[] {"spiffe://other.org"}),
                Arguments.of("another trust domain's name", new String[] {"other.org"}),
                Arguments.of("an unknown name", new String[] {"file-cert:/etc/passwd"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notEntitled")
    void fetchOfANameTheCallerIsNotEntitledToIsInvalidArgumentWithoutAnyCertificate(String name, String[] names) {
        source.set(pki.update(a, b));

        assertThatThrownBy(() -> client.fetch(names)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).startsWith("workload is not authorized for the requested identities");
        });
    }

    @Test
    void theErrorNamesOnlyTheNamesThatWereRefused() {
        source.set(pki.update(a));

        assertThatThrownBy(() -> client.fetch("default", "spiffe://example.org/c"))
                .hasMessageEndingWith("workload is not authorized for the requested identities [\"spiffe://example.org/c\"]");
    }

    @Test
    void callerWithNoIdentityIsPermissionDeniedForEveryName() {
        source.set(pki.update());

        for (String[] names : List.of(new String[] {"default"}, new String[] {"ROOTCA"}, new String[] {})) {
            assertThatThrownBy(() -> client.fetch(names)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                assertThat(e.getStatus().getDescription()).isEqualTo("no identity issued");
            });
        }
    }

    @Test
    void notReadyAndFailedAttestationAreUnavailable() {
        source.set(pki.update(a));
        source.setReady(false);
        assertThatThrownBy(() -> client.fetch("default")).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

        source.setReady(true);
        attestor.failure = "cannot read /proc";
        assertThatThrownBy(() -> client.fetch("default")).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getDescription()).isEqualTo("workload attestation failed");
        });
    }

    @Test
    void anotherTypeUrlIsInvalidArgument() {
        source.set(pki.update(a));
        var request = SdsClient.request("default").setTypeUrl("type.googleapis.com/envoy.config.cluster.v3.Cluster").build();

        assertThatThrownBy(() -> SecretDiscoveryServiceGrpc.newBlockingStub(client.channel).withDeadlineAfter(5, TimeUnit.SECONDS).fetchSecrets(request))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }

    @Test
    void deltaSecretsIsUnimplemented() throws Exception {
        SdsClient.Recorder<DeltaDiscoveryResponse> r = new SdsClient.Recorder<>();
        SecretDiscoveryServiceGrpc.newStub(client.channel).deltaSecrets(r).onCompleted();
        assertThat(r.awaitStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    }

    // ---- StreamSecrets ----

    @Test
    void streamAnswersTheInitialRequestWithVersionAndNonceAndTheContentVersionOfFetch() throws Exception {
        source.set(pki.update(a, b));

        DiscoveryResponse first = client.stream().subscribe("default", "ROOTCA").next();

        assertThat(first.getTypeUrl()).isEqualTo(SdsClient.TYPE_URL);
        assertThat(first.getVersionInfo()).isNotEmpty();
        assertThat(first.getNonce()).isNotEmpty();
        assertThat(SdsClient.names(first)).containsExactly("default", "ROOTCA");
        assertCarries(SdsClient.secrets(first).get(0), a);
        assertThat(client.fetch("default", "ROOTCA").getVersionInfo()).as("version is a content hash").isEqualTo(first.getVersionInfo());
    }

    @Test
    void ackSendsNothingAndRotationPushesANewVersionWithANewNonce() throws Exception {
        source.set(pki.update(a));
        SdsClient.Stream stream = client.stream().subscribe("default");
        DiscoveryResponse first = stream.next();

        stream.ack(first, "default");
        X509Identity rotated = pki.identity("e1", "/a");
        source.set(pki.update(rotated));
        DiscoveryResponse second = stream.next();

        assertThat(second.getVersionInfo()).isNotEqualTo(first.getVersionInfo());
        assertThat(second.getNonce()).isNotEqualTo(first.getNonce());
        assertCarries(SdsClient.secrets(second).get(0), rotated);

        stream.ack(second, "default");
        X509Identity again = pki.identity("e1", "/a");
        source.set(pki.update(again));
        DiscoveryResponse third = stream.next();
        assertCarries(SdsClient.secrets(third).get(0), again);
        assertThat(stream.responses.messages).isEmpty();
        assertThat(List.of(first.getNonce(), second.getNonce(), third.getNonce())).doesNotHaveDuplicates();
    }

    @Test
    void nackIsLoggedAndNothingIsResent() throws Exception {
        ListAppender<ILoggingEvent> logs = capture();
        source.set(pki.update(a));
        SdsClient.Stream stream = client.stream().subscribe("default");
        DiscoveryResponse first = stream.next();

        stream.nack(first, "", "bad certificate: test rejects it", "default");
        stream.nack(first, "", "bad certificate: test rejects it", "default");
        // The marker: a name change must be the very next response.
        stream.nack(first, "", "bad certificate: test rejects it", "default", "ROOTCA");
        DiscoveryResponse next = stream.next();

        assertThat(SdsClient.names(next)).containsExactly("default", "ROOTCA");
        assertThat(next.getNonce()).isNotEqualTo(first.getNonce());
        assertThat(stream.responses.messages).isEmpty();
        Poll.until(WAIT, "the NACK is logged", () -> logs.list.stream().anyMatch(
                e -> e.getLevel() == Level.WARN && e.getFormattedMessage().contains("rejected version " + first.getVersionInfo())
                        && e.getFormattedMessage().contains("bad certificate: test rejects it")));
    }

    @Test
    void changedResourceNamesAreAnsweredWithTheNewSet() throws Exception {
        source.set(pki.update(a, b));
        SdsClient.Stream stream = client.stream().subscribe("default");
        DiscoveryResponse first = stream.next();

        stream.ack(first, id(b), "ROOTCA");
        DiscoveryResponse second = stream.next();
        assertThat(SdsClient.names(second)).containsExactly(id(b), "ROOTCA");
        assertCarries(SdsClient.secrets(second).get(0), b);

        // The same set in another order is no change; a smaller set is.
        stream.ack(second, "ROOTCA", id(b));
        stream.ack(second, "ROOTCA");
        assertThat(SdsClient.names(stream.next())).containsExactly("ROOTCA");
    }

    @Test
    void aStaleNonceIsIgnored() throws Exception {
        source.set(pki.update(a));
        SdsClient.Stream stream = client.stream().subscribe("default");
        DiscoveryResponse first = stream.next();

        stream.requests.onNext(SdsClient.request("ROOTCA").setResponseNonce("not-a-nonce-we-sent").build());
        stream.ack(first, "default", "ROOTCA");

        assertThat(SdsClient.names(stream.next())).containsExactly("default", "ROOTCA");
    }

    @Test
    void updatesThatLeaveTheRequestedResourcesAsTheyWereAreNotPushed() throws Exception {
        source.set(pki.update(a));
        SdsClient.Stream stream = client.stream().subscribe("ROOTCA", "default");
        DiscoveryResponse first = stream.next();
        stream.ack(first, "ROOTCA", "default");

        source.set(pki.update(a, b)); // a new entry for the workload: "default" and ROOTCA unchanged
        pki.rotateCa();
        source.set(pki.update(a, b)); // the bundle changed

        DiscoveryResponse next = stream.next();
        assertThat(trustedCa(SdsClient.secrets(next).get(0))).containsExactly(pki.ca);
        assertThat(stream.responses.messages).isEmpty();
    }

    @Test
    void streamOfANameTheCallerIsNotEntitledToEndsInvalidArgumentWithoutAnyResponse() throws Exception {
        source.set(pki.update(a));
        SdsClient.Stream stream = client.stream().subscribe("default", "spiffe://example.org/c");

        stream.responses.assertFailedWithoutMessages(Status.Code.INVALID_ARGUMENT, "workload is not authorized for the requested identities");
        Poll.until(WAIT, "unsubscribed", () -> source.activeSubscriptions() == 0);
    }

    @Test
    void losingARequestedIdentityEndsTheStreamAndLosingAllIsPermissionDenied() throws Exception {
        source.set(pki.update(a, b));
        SdsClient.Stream byId = client.stream().subscribe(id(b));
        SdsClient.Stream byDefault = client.stream().subscribe("default");
        byId.next();
        byDefault.next();

        source.set(pki.update(a)); // b's entry deleted
        assertThat(byId.responses.awaitStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);

        source.set(pki.update()); // every entry deleted
        Status status = byDefault.responses.awaitStatus();
        assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(status.getDescription()).isEqualTo("no identity issued");
    }

    @Test
    void streamOfACallerWithNoIdentityIsPermissionDenied() throws Exception {
        source.set(pki.update());
        client.stream().subscribe("ROOTCA").responses.assertFailedWithoutMessages(Status.Code.PERMISSION_DENIED, "no identity issued");
    }

    @Test
    void whileTheSvidIsBeingMintedTheStreamWaitsForIt() throws Exception {
        source.set(pki.pending());
        SdsClient.Stream stream = client.stream().subscribe("default");
        Poll.until(WAIT, "subscribed", () -> source.activeSubscriptions() == 1);

        source.set(pki.update(a));

        assertCarries(SdsClient.secrets(stream.next()).get(0), a);
    }

    @Test
    void clientClosingOrCancellingTheStreamUnsubscribes() throws Exception {
        source.set(pki.update(a));
        SdsClient.Stream closing = client.stream().subscribe("default");
        SdsClient.Stream cancelling = client.stream().subscribe("default");
        closing.next();
        cancelling.next();
        assertThat(source.activeSubscriptions()).isEqualTo(2);

        closing.requests.onCompleted();
        assertThat(closing.responses.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
        cancelling.responses.cancel();

        Poll.until(WAIT, "unsubscribed", () -> source.activeSubscriptions() == 0 && endpoint.openStreams() == 0);
    }

    @Test
    void stoppingTheEndpointEndsOpenStreamsUnavailable() throws Exception {
        source.set(pki.update(a));
        SdsClient.Stream stream = client.stream().subscribe("default");
        stream.next();

        endpoint.stop();

        assertThat(stream.responses.awaitStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    // ---- the shared socket ----

    @Test
    void theWorkloadApiStillWorksOnTheSameSocketAndStillRequiresItsHeader() throws Exception {
        source.set(pki.update(a));
        Metadata header = new Metadata();
        header.put(Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER), "true");

        SdsClient.Recorder<X509SVIDResponse> withHeader = new SdsClient.Recorder<>();
        SpiffeWorkloadAPIGrpc.newStub(client.channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(header))
                .fetchX509SVID(X509SVIDRequest.getDefaultInstance(), withHeader);
        assertThat(withHeader.next().getSvids(0).getSpiffeId()).isEqualTo(id(a));
        withHeader.cancel();

        SdsClient.Recorder<X509SVIDResponse> without = new SdsClient.Recorder<>();
        SpiffeWorkloadAPIGrpc.newStub(client.channel).fetchX509SVID(X509SVIDRequest.getDefaultInstance(), without);
        without.assertFailedWithoutMessages(Status.Code.INVALID_ARGUMENT, "security header missing from request");

        assertThat(client.fetch("default").getResourcesCount()).as("SDS needs no header").isEqualTo(1);
    }

    @Test
    void reflectionListsBothServicesAndDescribesSds() throws Exception {
        List<ServerReflectionResponse> responses = reflect(
                ServerReflectionRequest.newBuilder().setListServices("").build(),
                ServerReflectionRequest.newBuilder().setFileContainingSymbol("envoy.service.secret.v3.SecretDiscoveryService").build());

        assertThat(responses.get(0).getListServicesResponse().getServiceList()).extracting(ServiceResponse::getName)
                .contains("SpiffeWorkloadAPI", "envoy.service.secret.v3.SecretDiscoveryService");
        List<DescriptorProtos.FileDescriptorProto> files = new ArrayList<>();
        for (var bytes : responses.get(1).getFileDescriptorResponse().getFileDescriptorProtoList()) {
            files.add(DescriptorProtos.FileDescriptorProto.parseFrom(bytes));
        }
        assertThat(files).filteredOn(f -> f.getName().equals("envoy/service/secret/v3/sds.proto")).singleElement()
                .satisfies(f -> assertThat(f.getServiceList()).singleElement().satisfies(s -> assertThat(s.getMethodList())
                        .extracting(DescriptorProtos.MethodDescriptorProto::getName)
                        .containsExactlyInAnyOrder("StreamSecrets", "FetchSecrets", "DeltaSecrets")));
    }

    private List<ServerReflectionResponse> reflect(ServerReflectionRequest... requests) throws Exception {
        SdsClient.Recorder<ServerReflectionResponse> r = new SdsClient.Recorder<>();
        StreamObserver<ServerReflectionRequest> out = ServerReflectionGrpc.newStub(client.channel).serverReflectionInfo(r);
        List<ServerReflectionResponse> responses = new ArrayList<>();
        for (ServerReflectionRequest request : requests) {
            out.onNext(request);
            responses.add(r.next());
        }
        out.onCompleted();
        assertThat(r.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
        return responses;
    }

    private ListAppender<ILoggingEvent> capture() {
        Logger logger = (Logger) LoggerFactory.getLogger(SecretsCall.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.list = new java.util.concurrent.CopyOnWriteArrayList<>(); // appended on gRPC threads while the test reads
        appender.start();
        logger.addAppender(appender);
        appenders.add(appender);
        return appender;
    }
}
