package dev.signet.server.api.agent;

import com.google.protobuf.ByteString;
import dev.signet.core.registration.Entry;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Csrs;
import dev.signet.proto.agent.v1.AgentApiGrpc;
import dev.signet.proto.agent.v1.AttestAgentRequest;
import dev.signet.proto.agent.v1.AttestAgentResponse;
import dev.signet.proto.agent.v1.BatchNewX509SVIDRequest;
import dev.signet.proto.agent.v1.BatchNewX509SVIDResponse;
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
import dev.signet.server.store.AgentRecord;
import dev.signet.server.store.AgentStore;
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
 */
public final class AgentApiService extends AgentApiGrpc.AgentApiImplBase {
    private static final Logger log = LoggerFactory.getLogger(AgentApiService.class);
    /** Largest batch of CSRs accepted in one call (SPIRE's limit). */
    public static final int MAX_BATCH = 500;

    private final Map<String, NodeAttestor> attestors;
    private final AgentStore agents;
    private final CertificateAuthority ca;
    private final EntryCache entries;
    private final SyncHub hub;
    private final Duration agentTtl;
    private final Duration defaultX509Ttl;
    private final Clock clock;

    public AgentApiService(List<NodeAttestor> attestors, AgentStore agents, CertificateAuthority ca, EntryCache entries,
            SyncHub hub, Duration agentTtl, Duration defaultX509Ttl, Clock clock) {
        this.attestors = attestors.stream().collect(Collectors.toMap(NodeAttestor::name, Function.identity()));
        this.agents = agents;
        this.ca = ca;
        this.entries = entries;
        this.hub = hub;
        this.agentTtl = agentTtl;
        this.defaultX509Ttl = defaultX509Ttl;
        this.clock = clock;
    }

    @Override
    public void attestAgent(AttestAgentRequest req, StreamObserver<AttestAgentResponse> out) {
        NodeAttestor attestor = attestors.get(req.getAttestor());
        if (attestor == null) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("unknown node attestor \"" + req.getAttestor()
                    + "\" (this server accepts " + attestors.keySet() + ")").asRuntimeException());
            return;
        }
        PublicKey key;
        try {
            key = Csrs.verifiedPublicKey(req.getCsr().toByteArray());
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("csr: " + e.getMessage()).asRuntimeException());
            return;
        }
        AttestationResult result;
        try {
            result = attestor.attest(req.getPayload().toByteArray());
        } catch (NodeAttestor.AttestationFailure e) {
            log.warn("node attestation refused: {}", e.getMessage());
            out.onError(Status.PERMISSION_DENIED.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        AgentRecord existing = agents.get(result.agentId()).orElse(null);
        if (existing != null && existing.banned()) {
            out.onError(Status.PERMISSION_DENIED.withDescription("agent is banned: " + result.agentId()).asRuntimeException());
            return;
        }
        if (existing != null && !result.reattestable()) {
            out.onError(Status.PERMISSION_DENIED.withDescription("attestation data has already been used to attest an agent: "
                    + result.agentId()).asRuntimeException());
            return;
        }
        List<X509Certificate> chain = ca.signX509Svid(result.agentId(), key, agentTtl, List.of());
        X509Certificate leaf = chain.get(0);
        Instant now = clock.instant();
        AgentRecord record = new AgentRecord(result.agentId(), result.attestor(), result.selectors(),
                leaf.getSerialNumber().toString(16), leaf.getNotAfter().toInstant(), "", null, false,
                existing != null ? existing.createdAt() : now, now);
        if (existing == null) {
            agents.create(record);
        } else {
            agents.update(record);
        }
        log.info("attested agent {} with {} (node selectors {})", result.agentId(), result.attestor(), result.selectors());
        AttestAgentResponse.Builder resp = AttestAgentResponse.newBuilder()
                .setSpiffeId(result.agentId().toString())
                .setBundle(hub.bundleProto());
        chain.forEach(c -> resp.addSvidChain(ByteString.copyFrom(Certificates.der(c))));
        out.onNext(resp.build());
        out.onCompleted();
        hub.changed();
    }

    @Override
    public void renewAgent(RenewAgentRequest req, StreamObserver<RenewAgentResponse> out) {
        AgentRecord agent = AgentAuthenticator.AGENT.get();
        PublicKey key;
        try {
            key = Csrs.verifiedPublicKey(req.getCsr().toByteArray());
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("csr: " + e.getMessage()).asRuntimeException());
            return;
        }
        List<X509Certificate> chain = ca.signX509Svid(agent.id(), key, agentTtl, List.of());
        X509Certificate leaf = chain.get(0);
        agents.update(agent.withNewCert(leaf.getSerialNumber().toString(16), leaf.getNotAfter().toInstant()).seenAt(clock.instant()));
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
        Map<String, Entry> authorized = entries.authorizedFor(agent.id(), agent.selectors()).stream()
                .collect(Collectors.toMap(Entry::id, Function.identity()));
        BatchNewX509SVIDResponse.Builder resp = BatchNewX509SVIDResponse.newBuilder();
        for (X509SVIDParams p : req.getParamsList()) {
            X509SVIDResult.Builder r = X509SVIDResult.newBuilder().setEntryId(p.getEntryId());
            Entry e = authorized.get(p.getEntryId());
            if (e == null) {
                r.setError("entry not found or not authorized");
            } else {
                try {
                    PublicKey key = Csrs.verifiedPublicKey(p.getCsr().toByteArray());
                    Duration ttl = e.x509Ttl() != null ? e.x509Ttl() : defaultX509Ttl;
                    ca.signX509Svid(e.spiffeId(), key, ttl, e.dnsNames())
                            .forEach(c -> r.addSvidChain(ByteString.copyFrom(Certificates.der(c))));
                } catch (IllegalArgumentException ex) {
                    r.setError("csr: " + ex.getMessage());
                }
            }
            resp.addResults(r);
        }
        out.onNext(resp.build());
        out.onCompleted();
    }
}
