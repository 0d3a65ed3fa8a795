package dev.signet.it.sds;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An Envoy-like SDS client built from the Envoy API's generated stubs ({@code io.envoyproxy.controlplane:api}),
 * run by the integration tests as a workload under another uid. Like Envoy it speaks plaintext gRPC over the
 * agent's Unix socket and sends no {@code workload.spiffe.io} header.
 *
 * <p>Usage: {@code EnvoySdsClient SOCKET_PATH OP...}, each OP one of
 * <ul>
 *   <li>{@code fetch NAMES}: one FetchSecrets for the comma-separated resource names;
 *   <li>{@code stream NAMES RESPONSES TIMEOUT_SECONDS}: StreamSecrets as Envoy drives it: the initial request
 *       (names, no version, no nonce), then an ACK (same names, the response's version and nonce) for each
 *       response, until {@code RESPONSES} responses arrived; then it cancels the stream.
 * </ul>
 * It prints one JSON object per line on stdout: for each response
 * {@code {"op":i,"call":...,"response":n,"version_info":...,"nonce":...,"secrets":[...]}}, for each ACK sent
 * {@code {"op":i,"ack":n,"version_info":...,"nonce":...}}, and when a call ends with an error
 * {@code {"op":i,"call":...,"status":"CODE","description":...,"responses":n}}. A TLS certificate secret is
 * {@code {"name","type":"tls_certificate","certificate_chain":PEM,"private_key_type":"EC"|"RSA",
 * "key_proof":BASE64}}, where {@code key_proof} is a SHA256withECDSA/RSA signature by the secret's private key
 * over {@link #KEY_PROOF_MESSAGE} (so the test can check that the key matches the certificate without the key
 * leaving this process); a validation context is {@code {"name","type":"validation_context","trusted_ca":PEM,
 * "custom_validator":NAME}}. Exit 0 when every call completed (with a response or a status), 1 otherwise.
 */
public final class EnvoySdsClient {
    public static final String TYPE_URL = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
    public static final String KEY_PROOF_MESSAGE = "signet-sds-key-check";
    private static final ObjectMapper JSON = new ObjectMapper();

    private EnvoySdsClient() {}

    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } catch (Exception | Error e) {
            System.err.println("error: " + e);
            code = 1;
        }
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(code);
    }

    private static int run(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("error: usage: EnvoySdsClient SOCKET_PATH (fetch NAMES | stream NAMES RESPONSES TIMEOUT_SECONDS)...");
            return 2;
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sds-client", true), EpollIoHandler.newFactory());
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(args[0]))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(group)
                .usePlaintext()
                .build();
        int code = 0;
        int op = 0;
        for (int i = 1; i < args.length; op++) {
            switch (args[i]) {
                case "fetch" -> {
                    fetch(channel, op, names(args[i + 1]));
                    i += 2;
                }
                case "stream" -> {
                    if (!stream(channel, op, names(args[i + 1]), Integer.parseInt(args[i + 2]), Integer.parseInt(args[i + 3]))) {
                        code = 1;
                    }
                    i += 4;
                }
                default -> throw new IllegalArgumentException("unknown op " + args[i]);
            }
        }
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        return code;
    }

    private static List<String> names(String csv) {
        return csv.isEmpty() ? List.of() : Arrays.asList(csv.split(","));
    }

    private static DiscoveryRequest.Builder request(List<String> names) {
        return DiscoveryRequest.newBuilder().setTypeUrl(TYPE_URL).addAllResourceNames(names);
    }

    private static void fetch(ManagedChannel channel, int op, List<String> names) throws Exception {
        try {
            DiscoveryResponse r = SecretDiscoveryServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .fetchSecrets(request(names).build());
            print(response(op, "FetchSecrets", 1, r));
        } catch (StatusRuntimeException e) {
            print(status(op, "FetchSecrets", e.getStatus(), 0));
        }
    }

    /** Returns false if the stream neither delivered {@code wanted} responses nor ended within the timeout. */
    private static boolean stream(ManagedChannel channel, int op, List<String> names, int wanted, int timeoutSeconds) throws Exception {
        LinkedBlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
        CompletableFuture<Status> end = new CompletableFuture<>();
        CompletableFuture<ClientCallStreamObserver<DiscoveryRequest>> call = new CompletableFuture<>();
        StreamObserver<DiscoveryRequest> requests = SecretDiscoveryServiceGrpc.newStub(channel).streamSecrets(
                new ClientResponseObserver<DiscoveryRequest, DiscoveryResponse>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<DiscoveryRequest> requestStream) {
                        call.complete(requestStream);
                    }

                    @Override
                    public void onNext(DiscoveryResponse value) {
                        responses.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        end.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        end.complete(Status.OK);
                    }
                });
        requests.onNext(request(names).build());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        int received = 0;
        while (received < wanted) {
            DiscoveryResponse r = responses.poll(20, TimeUnit.MILLISECONDS);
            if (r != null) {
                received++;
                print(response(op, "StreamSecrets", received, r));
                // The ACK, as Envoy sends it: same names, the accepted version, the response's nonce.
                requests.onNext(request(names).setVersionInfo(r.getVersionInfo()).setResponseNonce(r.getNonce()).build());
                ObjectNode ack = JSON.createObjectNode().put("op", op).put("ack", received)
                        .put("version_info", r.getVersionInfo()).put("nonce", r.getNonce());
                print(ack);
                continue;
            }
            if (end.isDone() && responses.isEmpty()) {
                print(status(op, "StreamSecrets", end.join(), received));
                return true;
            }
            if (System.nanoTime() > deadline) {
                print(JSON.createObjectNode().put("op", op).put("call", "StreamSecrets").put("timeout", timeoutSeconds)
                        .put("responses", received));
                call.join().cancel("timeout", null);
                return false;
            }
        }
        call.join().cancel("client has what it wanted", null);
        return true;
    }

    private static ObjectNode status(int op, String call, Status s, int responses) {
        return JSON.createObjectNode().put("op", op).put("call", call).put("status", s.getCode().name())
                .put("description", s.getDescription()).put("responses", responses);
    }

    private static ObjectNode response(int op, String call, int n, DiscoveryResponse r) throws Exception {
        ObjectNode o = JSON.createObjectNode().put("op", op).put("call", call).put("response", n)
                .put("version_info", r.getVersionInfo()).put("nonce", r.getNonce()).put("type_url", r.getTypeUrl());
        ArrayNode secrets = o.putArray("secrets");
        for (Any any : r.getResourcesList()) {
            secrets.add(secret(any));
        }
        return o;
    }

    private static ObjectNode secret(Any any) throws Exception {
        ObjectNode o = JSON.createObjectNode();
        if (!any.getTypeUrl().equals(TYPE_URL)) {
            return o.put("type", "unexpected type_url " + any.getTypeUrl());
        }
        Secret s;
        try {
            s = any.unpack(Secret.class);
        } catch (InvalidProtocolBufferException e) {
            return o.put("type", "unparsable: " + e.getMessage());
        }
        o.put("name", s.getName());
        switch (s.getTypeCase()) {
            case TLS_CERTIFICATE -> {
                TlsCertificate t = s.getTlsCertificate();
                o.put("type", "tls_certificate");
                o.put("certificate_chain", text(t.getCertificateChain()));
                PrivateKey key = privateKey(text(t.getPrivateKey()));
                o.put("private_key_type", key.getAlgorithm());
                Signature sig = Signature.getInstance(key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA");
                sig.initSign(key);
                sig.update(KEY_PROOF_MESSAGE.getBytes(StandardCharsets.UTF_8));
                o.put("key_proof", Base64.getEncoder().encodeToString(sig.sign()));
            }
            case VALIDATION_CONTEXT -> {
                CertificateValidationContext v = s.getValidationContext();
                o.put("type", "validation_context");
                if (v.hasTrustedCa()) {
                    o.put("trusted_ca", text(v.getTrustedCa()));
                }
                if (v.hasCustomValidatorConfig()) {
                    o.put("custom_validator", v.getCustomValidatorConfig().getName());
                }
            }
            default -> o.put("type", s.getTypeCase().name().toLowerCase());
        }
        return o;
    }

    /** Inline PEM (Signet sends inline_bytes; inline_string is accepted too); a file name is reported as such. */
    private static String text(DataSource d) {
        return switch (d.getSpecifierCase()) {
            case INLINE_BYTES -> d.getInlineBytes().toStringUtf8();
            case INLINE_STRING -> d.getInlineString();
            default -> "<" + d.getSpecifierCase().name().toLowerCase() + ">";
        };
    }

    private static PrivateKey privateKey(String pem) throws Exception {
        List<String> body = new ArrayList<>();
        boolean in = false;
        for (String line : pem.split("\n")) {
            if (line.startsWith("-----BEGIN PRIVATE KEY-----")) {
                in = true;
            } else if (line.startsWith("-----END PRIVATE KEY-----")) {
                break;
            } else if (in) {
                body.add(line.trim());
            }
        }
        if (!in) {
            throw new IllegalArgumentException("the private key is not a PKCS#8 PEM (\"BEGIN PRIVATE KEY\")");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getDecoder().decode(String.join("", body)));
        try {
            return KeyFactory.getInstance("EC").generatePrivate(spec);
        } catch (java.security.spec.InvalidKeySpecException e) {
            return KeyFactory.getInstance("RSA").generatePrivate(spec);
        }
    }

    private static void print(ObjectNode o) throws Exception {
        System.out.println(JSON.writeValueAsString(o));
        System.out.flush();
    }
}
