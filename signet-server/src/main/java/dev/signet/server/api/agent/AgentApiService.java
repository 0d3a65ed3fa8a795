package dev.signet.server.api.agent;

import com.google.protobuf.ByteString;
import dev.signet.core.registration.Entry;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.x509.Certificates;
import dev.signet.proto.agent.v1.AgentApiGrpc;
import dev.signet.proto.agent.v1.AttestAgentRequest;
import dev.signet.proto.agent.v1.AttestAgentResponse;
import dev.signet.proto.agent.v1.BatchNewX509SVIDRequest;
import dev.signet.proto.agent.v1.BatchNewX509SVIDResponse;
import dev.signet.proto.agent.v1.NewJWTSVIDRequest;
import dev.signet.proto.agent.v1.NewJWTSVIDResponse;
import dev.signet.proto.agent.v1.NewTemplatedX509SVIDRequest;
import dev.signet.proto.agent.v1.NewTemplatedX509SVIDResponse;
import dev.signet.core.template.IdentityTemplate;
import dev.signet.proto.agent.v1.RenewAgentRequest;
import dev.signet.proto.agent.v1.RenewAgentResponse;
import dev.signet.proto.agent.v1.SyncAuthorizedRequest;
import dev.signet.proto.agent.v1.SyncAuthorizedResponse;
import dev.signet.proto.agent.v1.X509SVIDParams;
import dev.signet.proto.agent.v1.X509SVIDResult;
import dev.signet.server.attestation.AttestationResult;
import dev.signet.server.attestation.NodeAttestor;
import dev.signet.server.authorization.EntryCache;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.ca.JwtKeyManager;
import dev.signet.server.ca.JwtSvid;
import dev.signet.server.store.AgentRecord;
import dev.signet.server.store.AgentStore;
import dev.signet.server.store.StoreException;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent API. Node attestation issues the agent its SVID; afterwards every call is authenticated by
 * {@link AgentAuthenticator}. Workload SVIDs are signed only for entries authorized for the calling agent,
 * with the SPIFFE ID, TTL and DNS names taken from the entry — the CSR contributes only its public key.
 * JWT-SVIDs likewise: only for authorized entries, identity and TTL from the entry, audiences from the request.
 */
public final class AgentApiService extends AgentApiGrpc.AgentApiImplBase {
    private static final Logger log = LoggerFactory.getLogger(AgentApiService.class);
    /** Largest batch of CSRs accepted in one call (SPIRE's limit). */
    public static final int MAX_BATCH = 500;

    private final Map<String, NodeAttestor> attestors;
    /** Runs attestors, which may block on platform APIs and on the agent's answers to challenges. */
    private final java.util.concurrent.ExecutorService attestationWorkers = AttestationCall.workers();
    private final AgentStore agents;
    private final CertificateAuthority ca;
    private final EntryCache entries;
    private final SyncHub hub;
    private final Duration agentTtl;
    private final Duration defaultX509Ttl;
    private final JwtKeyManager jwtKeys;
    private final Duration defaultJwtTtl;
    private final RateLimiter<SpiffeId> jwtRateLimit;
    private final Clock clock;

    /** An agent API without JWT-SVIDs: NewJWTSVID answers UNIMPLEMENTED. */
    public AgentApiService(List<NodeAttestor> attestors, AgentStore agents, CertificateAuthority ca, EntryCache entries,
            SyncHub hub, Duration agentTtl, Duration defaultX509Ttl, Clock clock) {
        this(attestors, agents, ca, entries, hub, agentTtl, defaultX509Ttl, null, null, null, clock);
    }

    /**
     * @param jwtKeys the JWT-SVID signing keys, or null to refuse NewJWTSVID
     * @param defaultJwtTtl JWT-SVID lifetime for entries that set none
     * @param jwtRateLimit NewJWTSVID calls allowed per agent (keyed by agent ID); null for no limit
     */
    public AgentApiService(List<NodeAttestor> attestors, AgentStore agents, CertificateAuthority ca, EntryCache entries,
            SyncHub hub, Duration agentTtl, Duration defaultX509Ttl, JwtKeyManager jwtKeys, Duration defaultJwtTtl,
            RateLimiter<SpiffeId> jwtRateLimit, Clock clock) {
        this.attestors = attestors.stream().collect(Collectors.toMap(NodeAttestor::name, Function.identity()));
        this.agents = agents;
        this.ca = ca;
        this.entries = entries;
        this.hub = hub;
        this.agentTtl = agentTtl;
        this.defaultX509Ttl = defaultX509Ttl;
        this.jwtKeys = jwtKeys;
        this.defaultJwtTtl = defaultJwtTtl == null ? Duration.ofMinutes(5) : defaultJwtTtl;
        this.jwtRateLimit = jwtRateLimit == null ? RateLimiter.unlimited(clock) : jwtRateLimit;
        this.clock = clock;
    }

    @Override
    public StreamObserver<AttestAgentRequest> attestAgent(StreamObserver<AttestAgentResponse> out) {
        java.net.SocketAddress remote = AgentAuthenticator.REMOTE_ADDRESS.get();
        return new AttestationCall(out, remote instanceof java.net.InetSocketAddress a ? a.getAddress() : null,
                attestors, attestationWorkers, this::completeAttestation);
    }

    /**
     * Issues the agent SVID for a node an attestor has vouched for (on the attestation worker thread).
     *
     * @throws io.grpc.StatusRuntimeException when the node is banned or the evidence was already used
     */
    private AttestAgentResponse completeAttestation(AttestationResult result, PublicKey key) {
        AgentRecord existing = agents.get(result.agentId()).orElse(null);
        if (existing != null && existing.banned()) {
            throw Status.PERMISSION_DENIED.withDescription("agent is banned: " + result.agentId()).asRuntimeException();
        }
        if (existing != null && !result.reattestable()) {
            throw Status.PERMISSION_DENIED.withDescription(result.attestor()
                    + ": attestation data has already been used to attest an agent: " + result.agentId()).asRuntimeException();
        }
        List<X509Certificate> chain = ca.signX509Svid(result.agentId(), key, agentTtl, List.of());
        X509Certificate leaf = chain.get(0);
        Instant now = clock.instant();
        AgentRecord record = new AgentRecord(result.agentId(), result.attestor(), result.selectors(),
                leaf.getSerialNumber().toString(16), leaf.getNotAfter().toInstant(), "", null, false,
                existing != null ? existing.createdAt() : now, now);
        try {
            if (existing == null) {
                agents.create(record);
            } else {
                agents.update(record);
            }
        } catch (StoreException.Conflict e) {
            throw Status.PERMISSION_DENIED.withDescription("agent is banned: " + result.agentId()).asRuntimeException();
        } catch (StoreException.AlreadyExists | StoreException.NotFound e) {
            // another server attested (or evicted) the same node between our read and write: let the agent retry
            throw Status.ABORTED.withDescription(result.attestor() + ": the node was attested concurrently: " + result.agentId())
                    .asRuntimeException();
        } catch (StoreException e) {
            throw Status.UNAVAILABLE.withDescription("datastore: " + e.getMessage()).asRuntimeException();
        }
        log.info("attested agent {} with {} (node selectors {})", result.agentId(), result.attestor(), result.selectors());
        AttestAgentResponse.Builder resp = AttestAgentResponse.newBuilder()
                .setSpiffeId(result.agentId().toString())
                .setBundle(hub.bundleProto());
        chain.forEach(c -> resp.addSvidChain(ByteString.copyFrom(Certificates.der(c))));
        hub.agentChanged(result.agentId()); // its open streams, if any (re-attestation); a new agent gets its state at subscribe
        return resp.build();
    }

    @Override
    public void renewAgent(RenewAgentRequest req, StreamObserver<RenewAgentResponse> out) {
        AgentRecord agent = AgentAuthenticator.AGENT.get();
        PublicKey key;
        try {
            key = ca.verifiedCsrKey(req.getCsr().toByteArray());
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("csr: " + e.getMessage()).asRuntimeException());
            return;
        }
        List<X509Certificate> chain = ca.signX509Svid(agent.id(), key, agentTtl, List.of());
        X509Certificate leaf = chain.get(0);
        try {
            agents.update(agent.withNewCert(leaf.getSerialNumber().toString(16), leaf.getNotAfter().toInstant()).seenAt(clock.instant()));
        } catch (StoreException.Conflict | StoreException.NotFound e) {
            out.onError(Status.PERMISSION_DENIED.withDescription("agent is no longer authorized: " + e.getMessage()).asRuntimeException());
            return;
        } catch (StoreException e) {
            out.onError(Status.UNAVAILABLE.withDescription("datastore: " + e.getMessage()).asRuntimeException());
            return;
        }
        RenewAgentResponse.Builder resp = RenewAgentResponse.newBuilder();
        chain.forEach(c -> resp.addSvidChain(ByteString.copyFrom(Certificates.der(c))));
        out.onNext(resp.build());
        out.onCompleted();
        log.info("renewed agent SVID of {}", agent.id());
    }

    @Override
    public void syncAuthorized(SyncAuthorizedRequest req, StreamObserver<SyncAuthorizedResponse> out) {
        AgentRecord agent = AgentAuthenticator.AGENT.get();
        hub.subscribe(agent.id(), (ServerCallStreamObserver<SyncAuthorizedResponse>) out);
    }

    @Override
    public void batchNewX509SVID(BatchNewX509SVIDRequest req, StreamObserver<BatchNewX509SVIDResponse> out) {
        AgentRecord agent = AgentAuthenticator.AGENT.get();
        if (req.getParamsCount() > MAX_BATCH) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("too many CSRs in one batch: " + req.getParamsCount()
                    + " (at most " + MAX_BATCH + ")").asRuntimeException());
            return;
        }
        dev.signet.server.authorization.EntryIndex authorized = entries.snapshot(); // one snapshot for the whole batch
        BatchNewX509SVIDResponse.Builder resp = BatchNewX509SVIDResponse.newBuilder();
        for (X509SVIDParams p : req.getParamsList()) {
            X509SVIDResult.Builder r = X509SVIDResult.newBuilder().setEntryId(p.getEntryId());
            Entry e = authorized.authorizedEntry(agent.id(), agent.selectors(), p.getEntryId()).orElse(null);
            if (e == null) {
                r.setError("entry not found or not authorized");
            } else {
                try {
                    var key = ca.verifiedCsrKeyInfo(p.getCsr().toByteArray());
                    Duration ttl = e.x509Ttl() != null ? e.x509Ttl() : defaultX509Ttl;
                    r.addSvidChain(ByteString.copyFrom(ca.signX509SvidDer(e.spiffeId(), key, ttl, e.dnsNames()))); // the chain is the leaf
                } catch (IllegalArgumentException ex) {
                    r.setError("csr: " + ex.getMessage());
                }
            }
            resp.addResults(r);
        }
        out.onNext(resp.build());
        out.onCompleted();
    }

    /**
     * Mints a JWT-SVID for an entry authorized for the calling agent (the same rule as BatchNewX509SVID),
     * with exactly the requested audiences; the SPIFFE ID and TTL come from the entry. Errors:
     * RESOURCE_EXHAUSTED when the agent is over its rate limit; INVALID_ARGUMENT without an entry ID, without
     * an audience ("audience must be specified"), or with an empty or oversized one; NOT_FOUND "entry not found
     * or not authorized"; UNAVAILABLE if the signing key is unusable.
     */
    @Override
    public void newJWTSVID(NewJWTSVIDRequest req, StreamObserver<NewJWTSVIDResponse> out) {
        AgentRecord agent = AgentAuthenticator.AGENT.get();
        if (jwtKeys == null) {
            out.onError(Status.UNIMPLEMENTED.withDescription("JWT-SVIDs are not enabled on this server").asRuntimeException());
            return;
        }
        if (!jwtRateLimit.tryAcquire(agent.id())) {
            log.warn("JWT-SVID rate limit exceeded by agent {}", agent.id());
            out.onError(Status.RESOURCE_EXHAUSTED.withDescription("JWT-SVID rate limit exceeded: at most "
                    + jwtRateLimit.perSecond() + " per second per agent").asRuntimeException());
            return;
        }
        String problem = checkJwtRequest(req);
        if (problem != null) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(problem).asRuntimeException());
            return;
        }
        Entry e = entries.authorizedEntry(agent.id(), agent.selectors(), req.getEntryId()).orElse(null);
        if (e == null) {
            out.onError(Status.NOT_FOUND.withDescription("entry not found or not authorized").asRuntimeException());
            return;
        }
        JwtSvid svid;
        try {
            svid = jwtKeys.signJwtSvid(e.spiffeId(), req.getAudienceList(), e.jwtTtl() != null ? e.jwtTtl() : defaultJwtTtl);
        } catch (IllegalStateException ex) {
            log.error("cannot mint a JWT-SVID for entry {}: {}", e.id(), ex.getMessage());
            out.onError(Status.UNAVAILABLE.withDescription("JWT signing key unavailable").asRuntimeException());
            return;
        }
        log.debug("minted JWT-SVID for {} (entry {}, agent {}, kid {}, audience {})", e.spiffeId(), e.id(), agent.id(),
                svid.keyId(), req.getAudienceList());
        out.onNext(NewJWTSVIDResponse.newBuilder()
                .setToken(svid.token())
                .setIssuedAtUnix(svid.issuedAt().getEpochSecond())
                .setExpiresAtUnix(svid.expiresAt().getEpochSecond())
                .build());
        out.onCompleted();
    }

    /**
     * Signs an X509-SVID for an ID derived from an identity template: only if the template is authorized for the
     * calling agent (its node selectors are among the agent's, or it has none) and the ID matches the template
     * (same trust domain and literals, one segment per placeholder, outside the reserved namespace). TTL and DNS
     * names come from the template. PERMISSION_DENIED otherwise; INVALID_ARGUMENT for a malformed ID or CSR.
     */
    @Override
    public void newTemplatedX509SVID(NewTemplatedX509SVIDRequest req, StreamObserver<NewTemplatedX509SVIDResponse> out) {
        AgentRecord agent = AgentAuthenticator.AGENT.get();
        SpiffeId id;
        try {
            id = SpiffeId.parse(req.getSpiffeId());
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("spiffe_id: " + e.getMessage()).asRuntimeException());
            return;
        }
        IdentityTemplate t = hub.authorizedTemplates(agent.id(), agent.selectors()).stream()
                .filter(x -> x.id().equals(req.getTemplateId())).findFirst().orElse(null);
        if (t == null) {
            out.onError(Status.PERMISSION_DENIED.withDescription("identity template not found or not authorized: "
                    + req.getTemplateId()).asRuntimeException());
            return;
        }
        if (!t.matches(id)) {
            log.warn("agent {} asked template {} ({}) for {}, which it cannot derive", agent.id(), t.id(), t.template(), id);
            out.onError(Status.PERMISSION_DENIED.withDescription(id + " does not match identity template " + t.template())
                    .asRuntimeException());
            return;
        }
        PublicKey key;
        try {
            key = ca.verifiedCsrKey(req.getCsr().toByteArray());
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("csr: " + e.getMessage()).asRuntimeException());
            return;
        }
        NewTemplatedX509SVIDResponse.Builder resp = NewTemplatedX509SVIDResponse.newBuilder();
        resp.addSvidChain(ByteString.copyFrom(ca.signX509SvidDer(id, key, t.x509Ttl() != null ? t.x509Ttl() : defaultX509Ttl,
                t.dnsNames()))); // the chain is the leaf
        log.debug("signed templated SVID {} (template {}, agent {})", id, t.id(), agent.id());
        out.onNext(resp.build());
        out.onCompleted();
    }

    /** Most audiences one JWT-SVID may carry (JWT-SVID §3.2 recommends one). */
    public static final int MAX_AUDIENCES = 32;
    /** Longest audience value accepted, in characters. */
    public static final int MAX_AUDIENCE_LENGTH = 1024;

    private static String checkJwtRequest(NewJWTSVIDRequest req) {
        if (req.getEntryId().isEmpty()) {
            return "entry_id is required";
        }
        if (req.getAudienceCount() == 0) {
            return "audience must be specified";
        }
        if (req.getAudienceCount() > MAX_AUDIENCES) {
            return "too many audiences: " + req.getAudienceCount() + " (at most " + MAX_AUDIENCES + ")";
        }
        for (String a : req.getAudienceList()) {
            if (a.isEmpty()) {
                return "audience must not contain an empty value";
            }
            if (a.length() > MAX_AUDIENCE_LENGTH) {
                return "audience value longer than " + MAX_AUDIENCE_LENGTH + " characters";
            }
        }
        return null;
    }
}
