package dev.signet.bench;

import com.google.protobuf.ByteString;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Csrs;
import dev.signet.proto.agent.v1.AgentApiGrpc;
import dev.signet.proto.agent.v1.AttestAgentRequest;
import dev.signet.proto.agent.v1.AttestAgentResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Node attestation of a simulated agent with a join token, exactly as {@code signet agent run} does it on the wire.
 * The one place that knows the shape of {@code AttestAgent} (a bidirectional stream: the first request carries
 * attestor, payload and CSR; join_token needs no challenge; the last response carries the SVID).
 */
final class AgentAttestation {
    record Result(String spiffeId, KeyPair key, List<X509Certificate> chain) {}

    private AgentAttestation() {}

    static Result attest(ManagedChannel serverAuthOnly, String joinToken) throws Exception {
        KeyPair key = Crypto.generate(Crypto.KeyType.EC_P256);
        CompletableFuture<AttestAgentResponse> result = new CompletableFuture<>();
        StreamObserver<AttestAgentRequest> requests = AgentApiGrpc.newStub(serverAuthOnly)
                .withDeadlineAfter(120, TimeUnit.SECONDS)
                .attestAgent(new StreamObserver<>() {
                    @Override
                    public void onNext(AttestAgentResponse r) {
                        if (!r.getChallenge().isEmpty()) {
                            result.completeExceptionally(new IllegalStateException("join_token got a challenge"));
                        } else if (!r.getSpiffeId().isEmpty()) {
                            result.complete(r);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        result.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        result.completeExceptionally(new IllegalStateException("attestation ended without a result"));
                    }
                });
        requests.onNext(AttestAgentRequest.newBuilder()
                .setAttestor("join_token")
                .setPayload(ByteString.copyFrom(joinToken, StandardCharsets.UTF_8))
                .setCsr(ByteString.copyFrom(Csrs.create(key)))
                .build());
        AttestAgentResponse r = result.get(120, TimeUnit.SECONDS);
        requests.onCompleted();
        List<X509Certificate> chain = r.getSvidChainList().stream().map(b -> Certificates.parse(b.toByteArray())).toList();
        return new Result(r.getSpiffeId(), key, chain);
    }
}
