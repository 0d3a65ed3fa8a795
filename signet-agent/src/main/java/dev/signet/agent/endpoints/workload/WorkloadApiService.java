package dev.signet.agent.endpoints.workload;

import dev.signet.agent.attestor.workload.AttestationException;
import dev.signet.agent.attestor.workload.Caller;
import dev.signet.agent.attestor.workload.CallerAttestation;
import dev.signet.agent.attestor.workload.WorkloadAttestor;
import dev.signet.agent.cache.WorkloadUpdate;
import dev.signet.agent.jwt.JwtSvid;
import dev.signet.agent.jwt.JwtSvidException;
import dev.signet.agent.jwt.JwtSvidValidationException;
import dev.signet.agent.jwt.JwtSvidValidator;
import dev.signet.agent.peer.Peer;
import dev.signet.agent.peer.PeerContext;
import dev.signet.agent.peer.PeerGoneException;
import dev.signet.core.registration.Entry;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.proto.workload.JWTBundlesRequest;
import dev.signet.proto.workload.JWTBundlesResponse;
import dev.signet.proto.workload.JWTSVID;
import dev.signet.proto.workload.JWTSVIDRequest;
import dev.signet.proto.workload.JWTSVIDResponse;
import dev.signet.proto.workload.SpiffeWorkloadAPIGrpc;
import dev.signet.proto.workload.ValidateJWTSVIDRequest;
import dev.signet.proto.workload.ValidateJWTSVIDResponse;
import dev.signet.proto.workload.X509BundlesRequest;
import dev.signet.proto.workload.X509BundlesResponse;
import dev.signet.proto.workload.X509SVIDRequest;
import dev.signet.proto.workload.X509SVIDResponse;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SPIFFE Workload API (spiffe-rules.md 1.E/1.F; SPIRE handler semantics, reference-spire.md §2).
 *
 * <p>Every call: the security header was already checked by {@link SecurityHeaderInterceptor}; then
 * "not ready" → UNAVAILABLE; then, on the attestation executor (never the event loop), all attestors run
 * on the caller's PID and the caller's {@link Peer} liveness is verified <em>after</em> them; any failure
 * → UNAVAILABLE "workload attestation failed" (details only in the log).
 *
 * <p>FetchX509SVID subscribes to the {@link IdentitySource} with the caller's selectors and sends the full
 * state whenever it changed. An update with no identities ends the stream with PERMISSION_DENIED "no
 * identity issued", unless SVIDs are still being minted ({@code pending}), then it waits. FetchX509Bundles
 * and FetchJWTBundles send the own trust domain's X.509 bundle, respectively JWKS of JWT authorities, when it
 * changed, under the same identity rule. Streams never end with OK; a client cancel unsubscribes. If a
 * client reads slower than updates arrive, only the newest state is kept for it (each message is the full
 * state, so nothing is lost).
 *
 * <p>The unary JWT RPCs check their request before anything else (INVALID_ARGUMENT with SPIRE's messages),
 * then readiness and attestation as above. FetchJWTSVID returns one token per entitled entry (entry ID
 * order, hints deduplicated, only the entries with {@code spiffe_id} if set; none → PERMISSION_DENIED "no
 * identity issued"); if any token cannot be had the whole call fails UNAVAILABLE "could not fetch JWT-SVID:
 * …". ValidateJWTSVID needs attestation but no identity; any validation failure is INVALID_ARGUMENT with the
 * reason ({@link JwtSvidValidator}).
 */
public class WorkloadApiService extends SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase {
    static final String ATTESTATION_FAILED = "workload attestation failed";
    static final String NO_IDENTITY = "no identity issued";
    static final String NOT_READY = "agent is not ready to serve workloads yet";
    static final String SHUTTING_DOWN = "agent is shutting down";
    static final String BUSY = "too many concurrent Workload API requests";
    static final String AUDIENCE_REQUIRED = "audience must be specified";
    static final String SVID_REQUIRED = "svid must be specified";
    static final String JWT_FETCH_FAILED = "could not fetch JWT-SVID: ";

    private static final Logger log = LoggerFactory.getLogger(WorkloadApiService.class);

    private final IdentitySource source;
    private final CallerAttestation attestation;
    private final Executor executor;
    private final JwtSvidValidator validator;
    private final Set<Stream<?>> streams = ConcurrentHashMap.newKeySet();
    /** Built once per identity set and bundle, shared by every stream that gets the same identities. */
    private final RenderedResponses<X509SVIDResponse> x509Svids = new RenderedResponses<>(Responses::x509Svids);
    private final RenderedResponses<X509BundlesResponse> x509Bundles = new RenderedResponses<>(Responses::x509Bundles);
    private final RenderedResponses<JWTBundlesResponse> jwtBundles = new RenderedResponses<>(Responses::jwtBundles);
    private volatile boolean shutdown;

    /**
     * @param attestors run in order on every call; at least one must succeed (SPIRE: errors of the others
     *     are logged and their selectors dropped)
     * @param attestationExecutor runs attestation (blocking /proc reads) and subscription clean-up; bound
     *     it: a rejected task fails the call with UNAVAILABLE
     */
    public WorkloadApiService(IdentitySource source, List<WorkloadAttestor> attestors, Executor attestationExecutor) {
        this(source, attestors, attestationExecutor, Clock.systemUTC());
    }

    /** @param clock decides whether a token given to ValidateJWTSVID has expired */
    public WorkloadApiService(IdentitySource source, List<WorkloadAttestor> attestors, Executor attestationExecutor, Clock clock) {
        this(source, attestors, attestationExecutor, clock, dev.signet.core.x509.SigningProvider.bouncyCastle());
    }

    /** @param crypto verifies ValidateJWTSVID's EC signatures (the agent's {@code crypto_provider}) */
    public WorkloadApiService(IdentitySource source, List<WorkloadAttestor> attestors, Executor attestationExecutor, Clock clock,
            dev.signet.core.x509.SigningProvider crypto) {
        this.validator = new JwtSvidValidator(clock, crypto);
        this.source = Objects.requireNonNull(source, "source");
        this.attestation = new CallerAttestation(attestors);
        this.executor = Objects.requireNonNull(attestationExecutor, "attestationExecutor");
    }

    @Override
    public void fetchX509SVID(X509SVIDRequest request, StreamObserver<X509SVIDResponse> responses) {
        serve("FetchX509SVID", responses, x509Svids::render, true);
    }

    @Override
    public void fetchX509Bundles(X509BundlesRequest request, StreamObserver<X509BundlesResponse> responses) {
        serve("FetchX509Bundles", responses, x509Bundles::render, true);
    }

    @Override
    public void fetchJWTBundles(JWTBundlesRequest request, StreamObserver<JWTBundlesResponse> responses) {
        serve("FetchJWTBundles", responses, jwtBundles::render, true);
    }

    @Override
    public void fetchJWTSVID(JWTSVIDRequest request, StreamObserver<JWTSVIDResponse> responses) {
        List<String> audience = List.copyOf(request.getAudienceList());
        if (audience.isEmpty() || audience.stream().anyMatch(String::isEmpty)) {
            reject("FetchJWTSVID", responses, Status.INVALID_ARGUMENT.withDescription(AUDIENCE_REQUIRED));
            return;
        }
        SpiffeId wanted = null;
        if (!request.getSpiffeId().isEmpty()) {
            try {
                wanted = SpiffeId.parse(request.getSpiffeId());
            } catch (IllegalArgumentException e) {
                reject("FetchJWTSVID", responses, Status.INVALID_ARGUMENT.withDescription("invalid requested SPIFFE ID: " + e.getMessage()));
                return;
            }
        }
        SpiffeId only = wanted;
        unary("FetchJWTSVID", responses, selectors -> jwtSvids(selectors, only, audience));
    }

    @Override
    public void validateJWTSVID(ValidateJWTSVIDRequest request, StreamObserver<ValidateJWTSVIDResponse> responses) {
        if (request.getAudience().isEmpty()) {
            reject("ValidateJWTSVID", responses, Status.INVALID_ARGUMENT.withDescription(AUDIENCE_REQUIRED));
            return;
        }
        if (request.getSvid().isEmpty()) {
            reject("ValidateJWTSVID", responses, Status.INVALID_ARGUMENT.withDescription(SVID_REQUIRED));
            return;
        }
        String audience = request.getAudience();
        String token = request.getSvid();
        unary("ValidateJWTSVID", responses, selectors -> {
            // No identity needed (SPIRE): the caller only has to be attested. Keys: the own trust domain's bundle.
            WorkloadUpdate u = source.current(selectors);
            try {
                return Responses.validated(validator.validate(token, audience, Map.of(u.trustDomain(), u.trustBundle())));
            } catch (JwtSvidValidationException e) {
                throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asException();
            }
        });
    }

    /** One JWT-SVID per entitled entry (optionally only those with SPIFFE ID {@code only}), in the update's order. */
    private JWTSVIDResponse jwtSvids(Set<Selector> selectors, SpiffeId only, List<String> audience) throws StatusException {
        List<Entry> entries = source.current(selectors).entries().stream()
                .filter(e -> only == null || e.spiffeId().equals(only))
                .toList();
        if (entries.isEmpty()) {
            throw Status.PERMISSION_DENIED.withDescription(NO_IDENTITY).asException();
        }
        JWTSVIDResponse.Builder out = JWTSVIDResponse.newBuilder();
        for (Entry e : entries) {
            JwtSvid svid;
            try {
                svid = source.fetchJwtSvid(e, audience);
            } catch (JwtSvidException ex) {
                throw Status.UNAVAILABLE.withDescription(JWT_FETCH_FAILED + ex.getMessage()).asException();
            }
            if (!svid.spiffeId().equals(e.spiffeId())) {
                throw Status.UNAVAILABLE.withDescription(JWT_FETCH_FAILED + "got a token for " + svid.spiffeId()
                        + " instead of " + e.spiffeId()).asException();
            }
            out.addSvids(JWTSVID.newBuilder().setSpiffeId(e.spiffeId().toString()).setSvid(svid.token()).setHint(e.hint()));
        }
        return out.build();
    }

    /** The work of a unary call once the caller is attested; a {@link StatusException} is its answer. */
    @FunctionalInterface
    private interface UnaryHandler<R> {
        R handle(Set<Selector> selectors) throws StatusException;
    }

    /** A unary call: readiness, then attestation and the handler on the attestation executor. */
    private <R> void unary(String method, StreamObserver<R> responses, UnaryHandler<R> handler) {
        ServerCallStreamObserver<R> observer = (ServerCallStreamObserver<R>) responses;
        Peer peer = PeerContext.current();
        int pid = peer == null ? -1 : peer.pid();
        if (shutdown) {
            answerError(method, pid, observer, Status.UNAVAILABLE.withDescription(SHUTTING_DOWN), null);
            return;
        }
        if (!source.ready()) {
            answerError(method, pid, observer, Status.UNAVAILABLE.withDescription(NOT_READY), null);
            return;
        }
        try {
            executor.execute(() -> attestAndAnswer(method, pid, peer, observer, handler));
        } catch (RejectedExecutionException e) {
            answerError(method, pid, observer, Status.UNAVAILABLE.withDescription(BUSY), null);
        }
    }

    private <R> void attestAndAnswer(String method, int pid, Peer peer, ServerCallStreamObserver<R> observer, UnaryHandler<R> handler) {
        if (observer.isCancelled()) {
            return;
        }
        Set<Selector> selectors;
        try {
            selectors = attest(peer);
        } catch (PeerGoneException | CallerAttestation.Failed e) {
            answerError(method, pid, observer, Status.UNAVAILABLE.withDescription(ATTESTATION_FAILED), e.getMessage());
            return;
        }
        R response;
        try {
            response = handler.handle(selectors);
        } catch (StatusException e) {
            answerError(method, pid, observer, e.getStatus(), null);
            return;
        } catch (RuntimeException e) {
            answerError(method, pid, observer, Status.UNAVAILABLE.withDescription("could not serve the request"), e.toString());
            return;
        }
        try {
            observer.onNext(response);
            observer.onCompleted();
            log.debug("{} from pid {}: answered", method, pid);
        } catch (RuntimeException e) {
            log.debug("{} from pid {}: call already closed", method, pid);
        }
    }

    /** Rejects a malformed request before readiness or attestation. */
    private static <R> void reject(String method, StreamObserver<R> responses, Status status) {
        Peer peer = PeerContext.current();
        answerError(method, peer == null ? -1 : peer.pid(), responses, status, null);
    }

    private static void answerError(String method, int pid, StreamObserver<?> observer, Status status, String detail) {
        String line = "{} from pid {}: {} \"{}\"{}";
        String suffix = detail == null ? "" : ": " + detail;
        if (status.getCode() == Status.Code.INVALID_ARGUMENT) {
            log.info(line, method, pid, status.getCode(), status.getDescription(), suffix); // the caller's mistake, or a bad token
        } else {
            log.warn(line, method, pid, status.getCode(), status.getDescription(), suffix);
        }
        try {
            observer.onError(status.asRuntimeException());
        } catch (RuntimeException e) {
            log.debug("{} from pid {}: call already closed", method, pid);
        }
    }

    /** Ends every open stream with UNAVAILABLE and refuses new calls, so a server stop does not wait for clients. */
    public void shutdown() {
        shutdown = true;
        for (Stream<?> stream : streams) {
            stream.fail(Status.UNAVAILABLE.withDescription(SHUTTING_DOWN), null);
        }
    }

    /** Streams currently open (attesting, waiting or subscribed). */
    public int openStreams() {
        return streams.size();
    }

    private <R> void serve(String method, StreamObserver<R> responses, Function<WorkloadUpdate, R> render, boolean onlyChanges) {
        ServerCallStreamObserver<R> observer = (ServerCallStreamObserver<R>) responses;
        Peer peer = PeerContext.current();
        Stream<R> stream = new Stream<>(method, peer == null ? -1 : peer.pid(), observer, render, onlyChanges);
        // Both handlers must be set before this method returns (grpc-java freezes them afterwards).
        observer.setOnCancelHandler(stream::cancelled);
        observer.setOnReadyHandler(stream::ready);
        streams.add(stream);
        if (shutdown) {
            stream.fail(Status.UNAVAILABLE.withDescription(SHUTTING_DOWN), null);
            return;
        }
        if (!source.ready()) {
            stream.fail(Status.UNAVAILABLE.withDescription(NOT_READY), null);
            return;
        }
        try {
            executor.execute(() -> attestAndSubscribe(peer, stream));
        } catch (RejectedExecutionException e) {
            stream.fail(Status.UNAVAILABLE.withDescription(BUSY), null);
        }
    }

    private void attestAndSubscribe(Peer peer, Stream<?> stream) {
        if (stream.isDone()) {
            return; // cancelled while queued
        }
        long started = System.nanoTime();
        Set<Selector> selectors;
        try {
            selectors = attest(peer);
        } catch (PeerGoneException | CallerAttestation.Failed e) {
            stream.fail(Status.UNAVAILABLE.withDescription(ATTESTATION_FAILED), e.getMessage());
            return;
        }
        if (log.isDebugEnabled()) {
            log.debug("{} from pid {}: attested in {} µs as {}", stream.method, stream.pid, (System.nanoTime() - started) / 1000, selectors);
        }
        IdentitySource.Subscription subscription;
        try {
            subscription = source.subscribe(selectors, stream);
        } catch (RuntimeException e) {
            stream.fail(Status.UNAVAILABLE.withDescription("identity cache is unavailable"), e.toString());
            return;
        }
        stream.attach(subscription);
    }

    /** Runs every attestor, then proves the PID they read still names the caller. */
    private Set<Selector> attest(Peer peer) throws PeerGoneException, CallerAttestation.Failed {
        return attestation.attest(peer);
    }

    private void closeLater(IdentitySource.Subscription subscription) {
        if (subscription == null) {
            return;
        }
        // Not inline: termination can happen inside the cache's listener call, where closing might
        // re-enter (or deadlock on) the cache's own lock.
        try {
            executor.execute(() -> closeQuietly(subscription));
        } catch (RejectedExecutionException e) {
            closeQuietly(subscription);
        }
    }

    private static void closeQuietly(IdentitySource.Subscription subscription) {
        if (subscription == null) {
            return;
        }
        try {
            subscription.close();
        } catch (RuntimeException e) {
            log.warn("closing an identity subscription failed", e);
        }
    }

    /** One open server stream: serialises updates, flow control, termination and cancellation. */
    private final class Stream<R> implements Consumer<WorkloadUpdate> {
        final String method;
        final int pid;
        private final ServerCallStreamObserver<R> observer;
        private final Function<WorkloadUpdate, R> render;
        private final boolean onlyChanges;
        private IdentitySource.Subscription subscription;
        private boolean done;
        private R last;
        private R unsent;
        private int sent;

        Stream(String method, int pid, ServerCallStreamObserver<R> observer, Function<WorkloadUpdate, R> render, boolean onlyChanges) {
            this.method = method;
            this.pid = pid;
            this.observer = observer;
            this.render = render;
            this.onlyChanges = onlyChanges;
        }

        /** Called by the identity source, on its thread. */
        @Override
        public void accept(WorkloadUpdate update) {
            IdentitySource.Subscription toClose = null;
            synchronized (this) {
                if (done) {
                    return;
                }
                if (update.identities().isEmpty()) {
                    if (update.pending()) {
                        log.debug("{} from pid {}: no SVID yet, waiting for it to be minted", method, pid);
                        return;
                    }
                    toClose = terminate(Status.PERMISSION_DENIED.withDescription(NO_IDENTITY), null);
                } else {
                    R message = null;
                    try {
                        message = render.apply(update);
                    } catch (RuntimeException e) {
                        toClose = terminate(Status.UNAVAILABLE.withDescription("could not serialize response"), e.getMessage());
                    }
                    if (message != null && !(onlyChanges && message.equals(last))) {
                        last = message;
                        unsent = message;
                        toClose = flush();
                    }
                }
            }
            closeLater(toClose);
        }

        /** gRPC's on-ready callback: the client can take more; send the newest unsent state. */
        void ready() {
            IdentitySource.Subscription toClose;
            synchronized (this) {
                toClose = flush();
            }
            closeLater(toClose);
        }

        // Holding the lock. Sends the newest state if the transport can take it; otherwise it stays in
        // `unsent` (replacing any older state) until ready() runs.
        private IdentitySource.Subscription flush() {
            if (done || unsent == null || !observer.isReady()) {
                return null;
            }
            R message = unsent;
            unsent = null;
            try {
                observer.onNext(message);
            } catch (RuntimeException e) {
                return terminate(Status.UNAVAILABLE.withDescription("could not send response"), e.toString());
            }
            sent++;
            log.debug("{} from pid {}: sent message {}", method, pid, sent);
            return null;
        }

        void attach(IdentitySource.Subscription s) {
            boolean closeNow;
            synchronized (this) {
                closeNow = done;
                if (!done) {
                    subscription = s;
                }
            }
            if (closeNow) {
                closeLater(s);
            }
        }

        void fail(Status status, String detail) {
            IdentitySource.Subscription toClose;
            synchronized (this) {
                toClose = terminate(status, detail);
            }
            closeLater(toClose);
        }

        void cancelled() {
            IdentitySource.Subscription toClose;
            synchronized (this) {
                if (done) {
                    return;
                }
                done = true;
                toClose = subscription;
                subscription = null;
                unsent = null;
            }
            streams.remove(this);
            log.debug("{} from pid {}: cancelled by the client after {} messages", method, pid, sent);
            // Inline, not closeLater: gRPC calls this on the event loop, never inside the cache's listener, and
            // closing only unregisters; a hand-off would wake an attestation thread for every connection.
            closeQuietly(toClose);
        }

        synchronized boolean isDone() {
            return done;
        }

        // Holding the lock. Ends the call with a non-OK status (streams never end with OK, W-28).
        private IdentitySource.Subscription terminate(Status status, String detail) {
            if (done) {
                return null;
            }
            done = true;
            unsent = null;
            IdentitySource.Subscription s = subscription;
            subscription = null;
            streams.remove(this);
            log.warn("{} from pid {}: {} \"{}\"{} after {} messages", method, pid, status.getCode(), status.getDescription(),
                    detail == null ? "" : ": " + detail, sent);
            try {
                observer.onError(status.asRuntimeException());
            } catch (RuntimeException e) {
                log.debug("{} from pid {}: call already closed", method, pid);
            }
            return s;
        }
    }
}
