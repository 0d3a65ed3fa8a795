package dev.signet.agent.endpoints.sds;

import com.google.protobuf.Any;
import dev.signet.agent.cache.WorkloadUpdate;
import dev.signet.agent.endpoints.workload.IdentitySource;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One StreamSecrets or FetchSecrets call: the xDS state-of-the-world protocol for SDS between the
 * client's requests (gRPC thread) and the workload's identity updates (cache thread), serialised by this
 * object's lock.
 *
 * <p>A response goes out when the subscription (the set of resource names) changes, the first request
 * included, and when an update changes the content of the subscribed resources; never for an update that
 * leaves them as they were. {@code version_info} is a hash of the content, the nonce is unique per stream.
 * Once a response was sent, a request is an ACK (its {@code response_nonce} is the last nonce, no
 * {@code error_detail}) or a NACK (with {@code error_detail}: logged, nothing resent); either may also
 * change the names. A request with another nonce is stale (a newer response is in flight) and ignored, as
 * SPIRE and the xDS protocol do. If the client reads slowly, only the newest response waits for it.
 * A unary FetchSecrets is the same machine with one request that ends after its one response.
 */
final class SecretsCall implements StreamObserver<DiscoveryRequest>, Consumer<WorkloadUpdate> {
    private static final Logger log = LoggerFactory.getLogger(SecretsCall.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();
    private static final int MAX_NAMES_IN_ERROR = 10;

    final String method;
    final int pid;
    private final ServerCallStreamObserver<DiscoveryResponse> observer;
    private final boolean streaming;
    private final Executor executor;
    private final Consumer<SecretsCall> onEnd;

    private IdentitySource.Subscription subscription;
    private boolean done;
    /** The subscribed names (normalised); null before the first request. */
    private Set<String> names;
    private WorkloadUpdate update;
    /** The names changed since the last response: the next evaluation must answer even if content is equal. */
    private boolean mustRespond;
    private List<Any> unsent;
    private String unsentVersion;
    private String lastVersion;
    private String lastNonce;
    private int sent;

    /** @param onEnd runs once when the call ends, however it ends */
    SecretsCall(String method, int pid, ServerCallStreamObserver<DiscoveryResponse> observer, boolean streaming, Executor executor, Consumer<SecretsCall> onEnd) {
        this.method = method;
        this.pid = pid;
        this.observer = observer;
        this.streaming = streaming;
        this.executor = executor;
        this.onEnd = onEnd;
    }

    // ---- from the client (gRPC thread) ----

    @Override
    public void onNext(DiscoveryRequest request) {
        IdentitySource.Subscription toClose = null;
        synchronized (this) {
            if (done) {
                return;
            }
            if (log.isDebugEnabled()) {
                log.debug("{} from pid {}: request names {} version '{}' nonce '{}'{}", method, pid, request.getResourceNamesList(),
                        request.getVersionInfo(), request.getResponseNonce(), request.hasErrorDetail() ? " with error_detail" : "");
            }
            if (!request.getTypeUrl().isEmpty() && !request.getTypeUrl().equals(Secrets.TYPE_URL)) {
                toClose = terminate(Status.INVALID_ARGUMENT.withDescription("unsupported type_url \"" + request.getTypeUrl()
                        + "\", expected \"" + Secrets.TYPE_URL + "\""), null);
            } else if (lastNonce != null && !lastNonce.equals(request.getResponseNonce())) {
                log.debug("{} from pid {}: stale nonce '{}' (last sent '{}'); request ignored", method, pid, request.getResponseNonce(), lastNonce);
            } else {
                if (lastNonce != null && request.hasErrorDetail()) {
                    log.warn("{} from pid {}: the client rejected version {} (nonce {}): {}; not resending it", method, pid, lastVersion,
                            lastNonce, quote(request.getErrorDetail().getMessage()));
                }
                Set<String> requested = Secrets.normalize(request.getResourceNamesList());
                if (!requested.equals(names)) {
                    names = requested;
                    mustRespond = true;
                    toClose = evaluate();
                }
            }
        }
        closeLater(toClose);
    }

    /** The client half-closed its side: it wants nothing more; end the call with OK. */
    @Override
    public void onCompleted() {
        IdentitySource.Subscription toClose;
        synchronized (this) {
            if (done) {
                return;
            }
            toClose = end();
            log.debug("{} from pid {}: client closed the stream after {} responses", method, pid, sent);
            try {
                observer.onCompleted();
            } catch (RuntimeException e) {
                log.debug("{} from pid {}: call already closed", method, pid);
            }
        }
        closeLater(toClose);
    }

    /** The client's side failed (it cancelled): gRPC also calls the cancel handler. */
    @Override
    public void onError(Throwable t) {
        cancelled();
    }

    // ---- from the identity source (cache thread) ----

    @Override
    public void accept(WorkloadUpdate update) {
        IdentitySource.Subscription toClose;
        synchronized (this) {
            if (done) {
                return;
            }
            this.update = update;
            toClose = evaluate();
        }
        closeLater(toClose);
    }

    // ---- lifecycle (gRPC and service threads) ----

    /** gRPC's on-ready callback: the transport can take more; send what waits. */
    void ready() {
        IdentitySource.Subscription toClose;
        synchronized (this) {
            toClose = flush();
        }
        closeLater(toClose);
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
            toClose = end();
        }
        log.debug("{} from pid {}: cancelled by the client after {} responses", method, pid, sent);
        // Inline: gRPC calls this on its own thread, never inside the cache's listener; closing only unregisters.
        closeQuietly(toClose);
    }

    synchronized boolean isDone() {
        return done;
    }

    // ---- the protocol, holding the lock ----

    private IdentitySource.Subscription evaluate() {
        if (names == null || update == null) {
            return null; // nothing asked yet, or attestation/subscription still under way
        }
        if (update.identities().isEmpty()) {
            if (update.pending()) {
                log.debug("{} from pid {}: no SVID yet, waiting for it to be minted", method, pid);
                return null;
            }
            return terminate(Status.PERMISSION_DENIED.withDescription(SdsService.NO_IDENTITY), null);
        }
        Secrets.Resolution resolution;
        try {
            resolution = Secrets.resolve(update, names);
        } catch (RuntimeException e) {
            return terminate(Status.UNAVAILABLE.withDescription("could not serialize response"), e.getMessage());
        }
        if (resolution instanceof Secrets.Unauthorized u) {
            if (update.pending()) {
                // The missing identity may be the one being minted: decide when minting is done.
                log.debug("{} from pid {}: {} not (yet) available, waiting while SVIDs are minted", method, pid, u.names());
                return null;
            }
            return terminate(Status.INVALID_ARGUMENT.withDescription(SdsService.NOT_AUTHORIZED + " " + quoted(u.names())), null);
        }
        List<Any> resources = ((Secrets.Resolved) resolution).resources();
        String version = version(resources);
        if (!mustRespond && version.equals(lastVersion)) {
            unsent = null; // the subscribed resources are as last sent
            return null;
        }
        unsent = resources;
        unsentVersion = version;
        return flush();
    }

    private IdentitySource.Subscription flush() {
        if (done || unsent == null || !observer.isReady()) {
            return null;
        }
        String nonce = (sent + 1) + "-" + HEX.formatHex(randomBytes(8));
        DiscoveryResponse response = DiscoveryResponse.newBuilder()
                .setVersionInfo(unsentVersion)
                .setNonce(nonce)
                .setTypeUrl(Secrets.TYPE_URL)
                .addAllResources(unsent)
                .build();
        try {
            observer.onNext(response);
        } catch (RuntimeException e) {
            return terminate(Status.UNAVAILABLE.withDescription("could not send response"), e.toString());
        }
        sent++;
        lastVersion = unsentVersion;
        lastNonce = nonce;
        unsent = null;
        mustRespond = false;
        log.debug("{} from pid {}: sent version {} nonce {} with {} resources", method, pid, lastVersion, nonce, response.getResourcesCount());
        if (streaming) {
            return null;
        }
        IdentitySource.Subscription s = end();
        try {
            observer.onCompleted();
        } catch (RuntimeException e) {
            log.debug("{} from pid {}: call already closed", method, pid);
        }
        return s;
    }

    /** Ends the call with a non-OK status. */
    private IdentitySource.Subscription terminate(Status status, String detail) {
        if (done) {
            return null;
        }
        IdentitySource.Subscription s = end();
        log.warn("{} from pid {}: {} \"{}\"{} after {} responses", method, pid, status.getCode(), status.getDescription(),
                detail == null ? "" : ": " + detail, sent);
        try {
            observer.onError(status.asRuntimeException());
        } catch (RuntimeException e) {
            log.debug("{} from pid {}: call already closed", method, pid);
        }
        return s;
    }

    /** Marks the call done and returns the subscription to close (outside the lock). */
    private IdentitySource.Subscription end() {
        done = true;
        unsent = null;
        IdentitySource.Subscription s = subscription;
        subscription = null;
        onEnd.accept(this);
        return s;
    }

    // ---- helpers ----

    private void closeLater(IdentitySource.Subscription s) {
        if (s == null) {
            return;
        }
        // Not inline: the call may end inside the cache's listener, where closing could re-enter its lock.
        try {
            executor.execute(() -> closeQuietly(s));
        } catch (RejectedExecutionException e) {
            closeQuietly(s);
        }
    }

    private static void closeQuietly(IdentitySource.Subscription s) {
        if (s == null) {
            return;
        }
        try {
            s.close();
        } catch (RuntimeException e) {
            log.warn("closing an identity subscription failed", e);
        }
    }

    /** A content hash: equal resources give equal versions, on every stream and in FetchSecrets. */
    static String version(List<Any> resources) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Any a : resources) {
                byte[] bytes = a.toByteArray();
                sha.update(new byte[] {(byte) (bytes.length >>> 24), (byte) (bytes.length >>> 16), (byte) (bytes.length >>> 8), (byte) bytes.length});
                sha.update(bytes);
            }
            return HEX.formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** The caller's names for an error text and the log: quoted, escaped, at most 10 of at most 256 characters. */
    static String quoted(Set<String> names) {
        String shown = names.stream().limit(MAX_NAMES_IN_ERROR).map(SecretsCall::quote).collect(Collectors.joining(", "));
        return "[" + shown + (names.size() > MAX_NAMES_IN_ERROR ? ", …" : "") + "]";
    }

    private static String quote(String name) {
        StringBuilder b = new StringBuilder("\"");
        int end = Math.min(name.length(), 256);
        for (int i = 0; i < end; i++) {
            char c = name.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append(end < name.length() ? "…\"" : "\"").toString();
    }
}
