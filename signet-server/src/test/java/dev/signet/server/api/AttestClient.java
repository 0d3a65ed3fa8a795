package dev.signet.server.api;

import com.google.protobuf.ByteString;
import dev.signet.proto.agent.v1.AgentApiGrpc;
import dev.signet.proto.agent.v1.AttestAgentRequest;
import dev.signet.proto.agent.v1.AttestAgentResponse;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.BlockingClientCall;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** Test client for the AttestAgent stream: sends the first message, answers challenges, returns the result. */
public final class AttestClient {
    private final Channel channel;
    private final long deadlineSeconds;

    public AttestClient(Channel channel, long deadlineSeconds) {
        this.channel = channel;
        this.deadlineSeconds = deadlineSeconds;
    }

    /** Attests with an attestor that sends no challenges (a challenge fails the call). */
    public AttestAgentResponse attestAgent(AttestAgentRequest first) {
        return attestAgent(first, challenge -> {
            throw new AssertionError("unexpected challenge");
        });
    }

    /**
     * Attests, answering each challenge with {@code answerer}.
     *
     * @throws io.grpc.StatusRuntimeException with the server's status
     */
    public AttestAgentResponse attestAgent(AttestAgentRequest first, UnaryOperator<byte[]> answerer) {
        BlockingClientCall<AttestAgentRequest, AttestAgentResponse> call = AgentApiGrpc.newBlockingV2Stub(channel)
                .withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS).attestAgent();
        try {
            call.write(first);
            while (true) {
                AttestAgentResponse r = call.read();
                if (r == null) {
                    throw Status.INTERNAL.withDescription("stream ended without a result").asRuntimeException();
                }
                if (r.getChallenge().isEmpty()) {
                    call.halfClose();
                    return r;
                }
                call.write(AttestAgentRequest.newBuilder()
                        .setChallengeResponse(ByteString.copyFrom(answerer.apply(r.getChallenge().toByteArray()))).build());
            }
        } catch (StatusException e) {
            throw e.getStatus().asRuntimeException(e.getTrailers());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
