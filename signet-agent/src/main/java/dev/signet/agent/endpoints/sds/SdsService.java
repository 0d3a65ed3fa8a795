package dev.signet.agent.endpoints.sds;

import dev.signet.agent.attestor.workload.CallerAttestation;
import dev.signet.agent.attestor.workload.WorkloadAttestor;
import dev.signet.agent.endpoints.workload.IdentitySource;
import dev.signet.agent.peer.Peer;
import dev.signet.agent.peer.PeerContext;
import dev.signet.agent.peer.PeerGoneException;
import dev.signet.core.selector.Selector;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's Secret Discovery Service v3 ({@code envoy.service.secret.v3.SecretDiscoveryService}) on the
 * Workload API socket, so an Envoy next to a workload gets that workload's SVID and trust bundle without
 * files (SPIRE agent's {@code sdsv3} handler semantics, reference-spire.md §2.6).
 *
 * <p>Every call is attested like a Workload API call: "not ready" → UNAVAILABLE; then, on the attestation
 * executor, all attestors on the caller's PID followed by the liveness check of the caller; any failure →
 * UNAVAILABLE "workload attestation failed". There is no {@code workload.spiffe.io} header check: Envoy does
 * not send it and SPIRE does not require it for SDS. Then the call subscribes to the {@link IdentitySource}
 * with the caller's selectors: a caller with no identity gets PERMISSION_DENIED "no identity issued"; a
 * resource name that is not the caller's gets INVALID_ARGUMENT "workload is not authorized for the
 * requested identities [...]" and no certificate at all. Resource names: see {@link Secrets}; the
 * protocol: see {@link SecretsCall}. DeltaSecrets is UNIMPLEMENTED (as in SPIRE).
 */
public class SdsService extends SecretDiscoveryServiceGrpc.SecretDiscoveryServiceImplBase {
    static final String ATTESTATION_FAILED = "workload attestation failed";
    static final String NO_IDENTITY = "no identity issued";
    static final String NOT_AUTHORIZED = "workload is not authorized for the requested identities";
    static final String NOT_READY = "agent is not ready to serve workloads yet";
    static final String SHUTTING_DOWN = "agent is shutting down";
    static final String BUSY = "too many concurrent Workload API requests";

    private static final Logger log = LoggerFactory.getLogger(SdsService.class);

    private final IdentitySource source;
    private final CallerAttestation attestation;
    private final Executor executor;
    private final Set<SecretsCall> calls = ConcurrentHashMap.newKeySet();
    private volatile boolean shutdown;

    /**
     * @param attestors run in order on every call, as for the Workload API; at least one
     * @param attestationExecutor runs attestation (blocking /proc reads) and subscription clean-up; a
     *     rejected task fails the call with UNAVAILABLE
     */
    public SdsService(IdentitySource source, List<WorkloadAttestor> attestors, Executor attestationExecutor) {
        this.source = Objects.requireNonNull(source, "source");
        this.attestation = new CallerAttestation(attestors);
        this.executor = Objects.requireNonNull(attestationExecutor, "attestationExecutor");
    }

    @Override
    public StreamObserver<DiscoveryRequest> streamSecrets(StreamObserver<DiscoveryResponse> responses) {
        SecretsCall call = open("StreamSecrets", responses, true);
        start(call);
        return call;
    }

    @Override
    public void fetchSecrets(DiscoveryRequest request, StreamObserver<DiscoveryResponse> responses) {
        SecretsCall call = open("FetchSecrets", responses, false);
        call.onNext(request);
        start(call);
    }

    /** Ends every open call with UNAVAILABLE and refuses new ones, so a server stop does not wait for Envoy. */
    public void shutdown() {
        shutdown = true;
        for (SecretsCall call : calls) {
            call.fail(Status.UNAVAILABLE.withDescription(SHUTTING_DOWN), null);
        }
    }

    /** Calls currently open (attesting, waiting or subscribed). */
    public int openStreams() {
        return calls.size();
    }

    private SecretsCall open(String method, StreamObserver<DiscoveryResponse> responses, boolean streaming) {
        ServerCallStreamObserver<DiscoveryResponse> observer = (ServerCallStreamObserver<DiscoveryResponse>) responses;
        Peer peer = PeerContext.current();
        SecretsCall call = new SecretsCall(method, peer == null ? -1 : peer.pid(), observer, streaming, executor, calls::remove);
        // Both handlers must be set before the handler method returns (grpc-java freezes them afterwards).
        observer.setOnCancelHandler(call::cancelled);
        observer.setOnReadyHandler(call::ready);
        calls.add(call);
        return call;
    }

    private void start(SecretsCall call) {
        if (call.isDone()) {
            return; // e.g. an unsupported type_url in a FetchSecrets request
        }
        if (shutdown) {
            call.fail(Status.UNAVAILABLE.withDescription(SHUTTING_DOWN), null);
            return;
        }
        if (!source.ready()) {
            call.fail(Status.UNAVAILABLE.withDescription(NOT_READY), null);
            return;
        }
        Peer peer = PeerContext.current();
        try {
            executor.execute(() -> attestAndSubscribe(peer, call));
        } catch (RejectedExecutionException e) {
            call.fail(Status.UNAVAILABLE.withDescription(BUSY), null);
        }
    }

    private void attestAndSubscribe(Peer peer, SecretsCall call) {
        if (call.isDone()) {
            return; // cancelled while queued
        }
        long started = System.nanoTime();
        Set<Selector> selectors;
        try {
            selectors = attestation.attest(peer);
        } catch (PeerGoneException | CallerAttestation.Failed e) {
            call.fail(Status.UNAVAILABLE.withDescription(ATTESTATION_FAILED), e.getMessage());
            return;
        }
        if (log.isDebugEnabled()) {
            log.debug("{} from pid {}: attested in {} µs as {}", call.method, call.pid, (System.nanoTime() - started) / 1000, selectors);
        }
        IdentitySource.Subscription subscription;
        try {
            subscription = source.subscribe(selectors, call);
        } catch (RuntimeException e) {
            call.fail(Status.UNAVAILABLE.withDescription("identity cache is unavailable"), e.toString());
            return;
        }
        call.attach(subscription);
    }
}
