package dev.signet.server.api.agent;

import com.google.protobuf.ByteString;
import dev.signet.core.x509.Csrs;
import dev.signet.proto.agent.v1.AttestAgentRequest;
import dev.signet.proto.agent.v1.AttestAgentResponse;
import dev.signet.server.attestation.AttestationResult;
import dev.signet.server.attestation.NodeAttestor;
import dev.signet.server.attestation.NodeAttestor.AttestationFailure;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One AttestAgent stream. The first message names the attestor and carries the evidence and the CSR; the
 * attestor then runs on a worker thread, where it may challenge the agent (each challenge is a response
 * message, each answer a request message carrying only {@code challenge_response}) and wait for platform
 * APIs. The stream ends with the result or a status: INVALID_ARGUMENT for malformed evidence, an unknown
 * attestor or a protocol violation; PERMISSION_DENIED for refused evidence; UNAVAILABLE when the platform
 * could not be asked; DEADLINE_EXCEEDED when the agent doesn't answer a challenge in time.
 */
final class AttestationCall implements StreamObserver<AttestAgentRequest> {
    private static final Logger log = LoggerFactory.getLogger(AttestationCall.class);
    /** How long an agent has to answer a challenge. */
    static final Duration CHALLENGE_TIMEOUT = Duration.ofSeconds(30);
    /** Attestations running at once; more are refused with RESOURCE_EXHAUSTED (agents retry). */
    static final int MAX_CONCURRENT = 64;

    private final StreamObserver<AttestAgentResponse> out;
    private final InetAddress peer;
    private final Map<String, NodeAttestor> attestors;
    private final ExecutorService workers;
    private final BiFunction<AttestationResult, PublicKey, AttestAgentResponse> complete;
    private final BlockingQueue<Object> answers = new ArrayBlockingQueue<>(1);
    private final Object writeLock = new Object();
    private boolean started;
    private volatile boolean challengePending;
    private volatile boolean finished;

    AttestationCall(StreamObserver<AttestAgentResponse> out, InetAddress peer, Map<String, NodeAttestor> attestors,
            ExecutorService workers, BiFunction<AttestationResult, PublicKey, AttestAgentResponse> complete) {
        this.out = out;
        this.peer = peer;
        this.attestors = attestors;
        this.workers = workers;
        this.complete = complete;
    }

    /** The worker pool for attestations: daemon threads, bounded, idle threads retire. */
    static ExecutorService workers() {
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(0, MAX_CONCURRENT, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "node-attestation-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void onNext(AttestAgentRequest req) {
        if (!started) {
            started = true;
            start(req);
            return;
        }
        if (!challengePending || !answers.offer(req.getChallengeResponse().toByteArray())) {
            fail(Status.INVALID_ARGUMENT.withDescription("unexpected message: send challenge_response only to answer a challenge"));
            return;
        }
        challengePending = false;
    }

    private void start(AttestAgentRequest req) {
        if (req.getAttestor().isEmpty()) {
            fail(Status.INVALID_ARGUMENT.withDescription("the first message must name the node attestor"));
            return;
        }
        NodeAttestor attestor = attestors.get(req.getAttestor());
        if (attestor == null) {
            fail(Status.INVALID_ARGUMENT.withDescription("unknown node attestor \"" + req.getAttestor()
                    + "\" (this server accepts " + new java.util.TreeSet<>(attestors.keySet()) + ")"));
            return;
        }
        PublicKey key;
        try {
            key = Csrs.verifiedPublicKey(req.getCsr().toByteArray());
        } catch (IllegalArgumentException e) {
            fail(Status.INVALID_ARGUMENT.withDescription("csr: " + e.getMessage()));
            return;
        }
        byte[] payload = req.getPayload().toByteArray();
        try {
            workers.execute(() -> run(attestor, payload, key));
        } catch (RejectedExecutionException e) {
            fail(Status.RESOURCE_EXHAUSTED.withDescription("too many node attestations in progress; retry shortly"));
        }
    }

    private void run(NodeAttestor attestor, byte[] payload, PublicKey key) {
        AttestationResult result;
        try {
            result = attestor.attest(payload, new Session());
        } catch (AttestationFailure e) {
            log.warn("node attestation refused: {}", e.getMessage());
            Status status = switch (e.reason()) {
                case INVALID -> Status.INVALID_ARGUMENT;
                case DENIED -> Status.PERMISSION_DENIED;
                case UNAVAILABLE -> Status.UNAVAILABLE;
            };
            fail(status.withDescription(e.getMessage()));
            return;
        } catch (RuntimeException e) {
            log.error("node attestor {} failed", attestor.name(), e);
            fail(Status.INTERNAL.withDescription(attestor.name() + ": attestation failed: " + e));
            return;
        }
        if (!result.attestor().equals(attestor.name())) {
            fail(Status.INTERNAL.withDescription(attestor.name() + ": attestor reported itself as " + result.attestor()));
            return;
        }
        AttestAgentResponse response;
        try {
            response = complete.apply(result, key);
        } catch (StatusRuntimeException e) {
            log.warn("node attestation refused: {}", e.getStatus().getDescription());
            fail(e.getStatus());
            return;
        } catch (RuntimeException e) {
            log.error("issuing the agent SVID for {} failed", result.agentId(), e);
            fail(Status.INTERNAL.withDescription("issuing the agent SVID failed: " + e));
            return;
        }
        synchronized (writeLock) {
            if (finished) {
                return;
            }
            finished = true;
            out.onNext(response);
            out.onCompleted();
        }
    }

    @Override
    public void onError(Throwable t) {
        finished = true;
        answers.offer(Gone.INSTANCE);
    }

    @Override
    public void onCompleted() {
        if (challengePending) {
            answers.offer(Gone.INSTANCE);
        }
    }

    private void fail(Status status) {
        synchronized (writeLock) {
            if (finished) {
                return;
            }
            finished = true;
            out.onError(status.asRuntimeException());
        }
        answers.offer(Gone.INSTANCE);
    }

    private enum Gone { INSTANCE }

    private final class Session implements NodeAttestor.Session {
        @Override
        public byte[] challenge(byte[] challenge) throws AttestationFailure {
            synchronized (writeLock) {
                if (finished) {
                    throw new AttestationFailure(NodeAttestor.Reason.INVALID, "the agent ended the attestation");
                }
                challengePending = true;
                out.onNext(AttestAgentResponse.newBuilder().setChallenge(ByteString.copyFrom(challenge)).build());
            }
            Object answer;
            try {
                answer = answers.poll(CHALLENGE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AttestationFailure(NodeAttestor.Reason.UNAVAILABLE, "interrupted while waiting for the agent");
            }
            if (answer == null) {
                fail(Status.DEADLINE_EXCEEDED.withDescription("no answer to the attestation challenge within "
                        + CHALLENGE_TIMEOUT.toSeconds() + "s"));
                throw new AttestationFailure(NodeAttestor.Reason.INVALID, "no answer to the challenge in time");
            }
            if (answer instanceof byte[] bytes) {
                return bytes;
            }
            throw new AttestationFailure(NodeAttestor.Reason.INVALID, "the agent ended the attestation without answering the challenge");
        }

        @Override
        public Optional<InetAddress> peerAddress() {
            return Optional.ofNullable(peer);
        }
    }
}
