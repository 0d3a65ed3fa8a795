package dev.signet.agent.manager;

import com.google.protobuf.ByteString;
import dev.signet.agent.attestor.node.NodeAttestorClient;
import dev.signet.agent.cache.IdentityCache;
import dev.signet.agent.cache.X509Identity;
import dev.signet.agent.client.ServerAddress;
import dev.signet.agent.client.ServerConnection;
import dev.signet.agent.client.ServerList;
import dev.signet.agent.intention.IntentionCache;
import dev.signet.agent.jwt.JwtSvidCache;
import dev.signet.agent.jwt.JwtSvidException;
import dev.signet.agent.storage.AgentState;
import dev.signet.core.bundle.JwtAuthority;
import dev.signet.core.bundle.TrustBundle;
import dev.signet.core.registration.Entry;
import dev.signet.core.registration.EntryProtos;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Csrs;
import dev.signet.proto.agent.v1.ActiveIdentity;
import dev.signet.proto.agent.v1.AgentApiGrpc;
import dev.signet.proto.agent.v1.ReportActiveRequest;
import dev.signet.proto.agent.v1.AttestAgentRequest;
import dev.signet.proto.agent.v1.AttestAgentResponse;
import dev.signet.proto.agent.v1.BatchNewX509SVIDRequest;
import dev.signet.proto.agent.v1.BatchNewX509SVIDResponse;
import dev.signet.proto.agent.v1.NewJWTSVIDRequest;
import dev.signet.proto.agent.v1.NewJWTSVIDResponse;
import dev.signet.proto.agent.v1.NewTemplatedX509SVIDRequest;
import dev.signet.proto.agent.v1.NewTemplatedX509SVIDResponse;
import dev.signet.core.template.IdentityTemplate;
import dev.signet.core.template.TemplateProtos;
import dev.signet.proto.agent.v1.RenewAgentRequest;
import dev.signet.proto.agent.v1.RenewAgentResponse;
import dev.signet.proto.agent.v1.SyncAuthorizedRequest;
import dev.signet.proto.agent.v1.SyncAuthorizedResponse;
import dev.signet.proto.agent.v1.X509SVIDParams;
import dev.signet.proto.agent.v1.X509SVIDResult;
import dev.signet.proto.common.v1.Bundle;
import dev.signet.proto.common.v1.JWTAuthority;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the agent's identity and cache current:
 * <ol>
 *   <li>bootstrap — reuse the persisted agent SVID, or attest the node (retrying UNAVAILABLE for up to a
 *       minute; a refusal is final);</li>
 *   <li>sync — one long-lived stream on which the server pushes the authorized entries and bundle; on failure,
 *       fail over at once to the next configured server ({@link ServerList}), and once every server failed in a
 *       row reconnect with exponential backoff (1 s … 30 s, ±10% jitter), while the cache keeps serving;
 *       node attestation tries each server in the same order;</li>
 *   <li>minting — keys generated here, CSRs batched (at most 500 per call) for entries without a current SVID,
 *       on every sync update and on a 1 s tick for renewals;</li>
 *   <li>agent SVID rotation at about half-life via RenewAgent, then a fresh channel presenting the new SVID;</li>
 *   <li>JWT-SVIDs on demand: it is the {@link dev.signet.agent.jwt.JwtSvidMinter} (NewJWTSVID) behind the
 *       cache's {@link JwtSvidCache}, which it attaches to the identity cache when constructed.</li>
 * </ol>
 * If the server says the agent is banned or no longer attested, the agent forgets its SVID and cache and
 * reports a fatal error: its workloads lose their identities.
 */
public final class AgentManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentManager.class);
    private static final Duration RPC_TIMEOUT = Duration.ofSeconds(30);
    /** A workload waits for this call: shorter than the other RPCs. */
    private static final Duration JWT_RPC_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration ATTEST_RETRY_FOR = Duration.ofMinutes(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final int MAX_BATCH = 500;

    private final ServerConnection connection;
    private final AgentState state;
    private final IdentityCache cache;
    private final Clock clock;
    private final Random random;
    private final Consumer<String> fatal;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "signet-agent-manager");
        t.setDaemon(true);
        return t;
    });

    private final IntentionCache intentions = new IntentionCache();
    private final dev.signet.core.consul.BlockingIndex bundleIndex = new dev.signet.core.consul.BlockingIndex();
    private volatile List<X509Certificate> bundle;
    private volatile AgentState.Svid svid;
    private volatile SpiffeId agentId;
    private volatile ManagedChannel channel;
    private volatile Instant svidSince;
    private StreamContext syncStream;
    private Duration backoff = Duration.ofSeconds(1);
    private ScheduledFuture<?> reconnect;
    /** When {@link #connect()} last ran (manager thread). */
    private Instant lastConnectAt;
    private static final Duration MIN_FAILOVER_INTERVAL = Duration.ofSeconds(1);
    private volatile boolean closed;
    private volatile boolean synced;
    /** Catalog state reporting (manager thread only). */
    private static final Duration REPORT_INTERVAL = Duration.ofSeconds(10);
    private List<IdentityCache.Served> lastReported;
    private Instant lastReportAt;

    public AgentManager(ServerConnection connection, AgentState state, IdentityCache cache, List<X509Certificate> initialBundle,
            Clock clock, Random random, Consumer<String> fatal) {
        this.connection = connection;
        this.state = state;
        this.cache = cache;
        this.bundle = List.copyOf(initialBundle);
        this.clock = clock;
        this.random = random;
        this.fatal = fatal;
        cache.setJwtSvids(new JwtSvidCache(this::mintJwtSvid, clock, JwtSvidCache.DEFAULT_MAX_SIZE));
        cache.setOnDerived(() -> {
            try {
                executor.execute(this::mintDue);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        });
    }

    /** The bundle the agent currently trusts, for authenticating the server. */
    public List<X509Certificate> bundle() {
        return bundle;
    }

    public SpiffeId agentId() {
        return agentId;
    }

    /** The last certificate of the agent's SVID chain (the one a root signed), or null before there is one. */
    public X509Certificate agentSvidTop() {
        AgentState.Svid s = svid;
        return s == null || s.chain().isEmpty() ? null : s.chain().get(s.chain().size() - 1);
    }

    /** The intentions and default intention policy last synced from the server. */
    /** The bundle's sequence number as a blocking-query index (the HTTP roots endpoint's {@code X-Consul-Index}). */
    public dev.signet.core.consul.BlockingIndex bundleIndex() {
        return bundleIndex;
    }

    public IntentionCache intentions() {
        return intentions;
    }

    /** True once the first sync message arrived. */
    public boolean synced() {
        return synced;
    }

    /**
     * Obtains the agent SVID — from disk if still valid, else by node attestation — then starts syncing.
     *
     * @param attestor evidence for node attestation, or null if none is configured
     * @param insecureBootstrap trust the server on first contact without verifying its chain
     * @throws IOException if the agent has no usable SVID and cannot attest
     */
    public void start(NodeAttestorClient attestor, boolean insecureBootstrap) throws IOException {
        AgentState.Svid stored = state.loadSvid().orElse(null);
        Instant now = clock.instant();
        if (stored != null && stored.chain().get(0).getNotAfter().toInstant().isAfter(now.plusSeconds(1))) {
            svid = stored;
            svidSince = stored.chain().get(0).getNotBefore().toInstant();
            log.info("reusing stored agent SVID {}", Certificates.spiffeId(stored.chain().get(0)).orElse(null));
        } else {
            if (attestor == null) {
                throw new IOException(stored == null
                        ? "no agent SVID in the data directory and no node attestor configured: set join_token (or --join-token),"
                                + " or a node_attestor block, for the first start"
                        : "the stored agent SVID has expired and no join token or node_attestor is configured to attest again");
            }
            if (bundle.isEmpty() && !insecureBootstrap) {
                throw new IOException("no trust bundle to authenticate the server: set trust_bundle_path, or insecure_bootstrap = true");
            }
            svid = attest(attestor, insecureBootstrap);
            svidSince = clock.instant();
        }
        agentId = Certificates.spiffeId(svid.chain().get(0))
                .orElseThrow(() -> new IOException("the agent SVID has no SPIFFE ID"));
        executor.execute(this::connect);
        executor.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    /** Node attestation may wait for platform APIs (TokenReview, EC2) and challenges. */
    private static final Duration ATTEST_TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_CHALLENGES = 8;

    private AgentState.Svid attest(NodeAttestorClient attestor, boolean insecure) throws IOException {
        Instant giveUp = clock.instant().plus(ATTEST_RETRY_FOR);
        ServerList servers = connection.servers();
        while (true) {
            KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
            ServerAddress server = servers.current();
            ManagedChannel ch = connection.attestationChannel(server, insecure && bundle.isEmpty());
            try {
                AttestAgentResponse resp = exchange(ch, attestor, Csrs.create(kp));
                List<X509Certificate> chain = resp.getSvidChainList().stream().map(b -> Certificates.parse(b.toByteArray())).toList();
                List<X509Certificate> newBundle = resp.getBundle().getX509AuthoritiesList().stream()
                        .map(b -> Certificates.parse(b.toByteArray())).toList();
                AgentState.Svid s = new AgentState.Svid(chain, kp.getPrivate());
                state.saveSvid(s);
                setBundle(newBundle);
                servers.succeeded();
                log.info("node attested as {} by server {}", resp.getSpiffeId(), server);
                return s;
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED && code != Status.Code.RESOURCE_EXHAUSTED
                        && code != Status.Code.ABORTED) {
                    throw new IOException("node attestation refused" + (servers.all().size() > 1 ? " by server " + server : "")
                            + ": " + e.getStatus().getDescription() + " (" + code + ")");
                }
                boolean fullRound = servers.failed();
                if (!fullRound) {
                    log.warn("node attestation: server {} unavailable ({}); trying server {}", server, describe(e), servers.current());
                    continue;
                }
                if (clock.instant().isAfter(giveUp)) {
                    throw new IOException("node attestation failed: " + (servers.all().size() == 1 ? "server " + server + " unreachable"
                            : "no server of " + servers.all() + " reachable") + " for " + ATTEST_RETRY_FOR.toSeconds() + "s: " + describe(e));
                }
                log.warn("node attestation: server {} unavailable ({}); retrying", server, describe(e));
                sleep(Duration.ofSeconds(2));
            } finally {
                ch.shutdownNow();
            }
        }
    }

    /**
     * Runs one AttestAgent stream: sends the evidence, answers the server's challenges, returns the result.
     *
     * @throws StatusRuntimeException with the server's status, or UNAVAILABLE/DEADLINE_EXCEEDED for transport trouble
     */
    private static AttestAgentResponse exchange(ManagedChannel ch, NodeAttestorClient attestor, byte[] csr) throws IOException {
        io.grpc.stub.BlockingClientCall<AttestAgentRequest, AttestAgentResponse> call = AgentApiGrpc.newBlockingV2Stub(ch)
                .withDeadlineAfter(ATTEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .attestAgent();
        try {
            call.write(AttestAgentRequest.newBuilder()
                    .setAttestor(attestor.name())
                    .setPayload(ByteString.copyFrom(attestor.payload()))
                    .setCsr(ByteString.copyFrom(csr))
                    .build());
            for (int challenges = 0; ; challenges++) {
                AttestAgentResponse resp = call.read();
                if (resp == null) {
                    throw Status.INTERNAL.withDescription("the server ended node attestation without a result").asRuntimeException();
                }
                if (resp.getChallenge().isEmpty()) {
                    call.halfClose();
                    return resp;
                }
                if (challenges >= MAX_CHALLENGES) {
                    throw new IOException(attestor.name() + ": the server sent more than " + MAX_CHALLENGES + " challenges");
                }
                call.write(AttestAgentRequest.newBuilder()
                        .setChallengeResponse(ByteString.copyFrom(attestor.answer(resp.getChallenge().toByteArray())))
                        .build());
            }
        } catch (io.grpc.StatusException e) {
            throw e.getStatus().asRuntimeException(e.getTrailers());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("node attestation interrupted");
        } catch (IOException | RuntimeException e) {
            call.cancel("node attestation abandoned", e);
            throw e;
        }
    }

    private void setBundle(List<X509Certificate> newBundle) {
        if (!newBundle.isEmpty() && !newBundle.equals(bundle)) {
            bundle = List.copyOf(newBundle);
            try {
                state.saveBundle(bundle);
            } catch (IOException e) {
                log.warn("cannot persist trust bundle: {}", e.toString());
            }
        }
    }

    /** Opens a channel with the current SVID and the sync stream. Runs on the manager thread. */
    private void connect() {
        if (closed) {
            return;
        }
        ManagedChannel fresh;
        ServerAddress server = connection.servers().current();
        lastConnectAt = clock.instant();
        try {
            fresh = connection.agentChannel(server, svid.chain(), svid.key());
        } catch (IOException e) {
            log.warn("cannot build TLS channel: {}", e.toString());
            scheduleReconnect(true);
            return;
        }
        // Swap first, then retire the old channel gracefully: calls already running on it (a workload's
        // JWT-SVID request, a minting batch) finish instead of failing with "Channel shutdown invoked".
        ManagedChannel old = channel;
        channel = fresh;
        StreamContext ctx = new StreamContext(server);
        syncStream = ctx;
        AgentApiGrpc.newStub(fresh).syncAuthorized(SyncAuthorizedRequest.getDefaultInstance(), ctx);
        if (old != null) {
            old.shutdown();
            try {
                executor.schedule(old::shutdownNow, RPC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                old.shutdownNow();
            }
        }
    }

    /** One sync stream to one server; stale callbacks from an older stream are ignored. */
    private final class StreamContext implements StreamObserver<SyncAuthorizedResponse> {
        private final ServerAddress server;
        private boolean first = true;

        StreamContext(ServerAddress server) {
            this.server = server;
        }

        @Override
        public void onNext(SyncAuthorizedResponse msg) {
            executor.execute(() -> {
                if (syncStream != this) {
                    return;
                }
                backoff = Duration.ofSeconds(1);
                connection.servers().succeeded();
                if (first) {
                    first = false;
                    log.info("syncing with server {}", server);
                    lastReported = null; // this server may not have our catalog state yet (failover): report on the next tick
                }
                applySync(msg);
            });
        }

        @Override
        public void onError(Throwable t) {
            executor.execute(() -> {
                if (syncStream != this || closed) {
                    return;
                }
                Status s = Status.fromThrowable(t);
                if (s.getCode() == Status.Code.PERMISSION_DENIED) {
                    lostAuthorization(s.getDescription());
                    return;
                }
                boolean fullRound = connection.servers().failed();
                if (fullRound) {
                    log.warn("sync stream to server {} failed: {}; {}reconnecting in {}", server, describe(s),
                            connection.servers().all().size() > 1 ? "every server failed; " : "", backoff);
                } else {
                    log.warn("sync stream to server {} failed: {}; failing over to server {}", server, describe(s),
                            connection.servers().current());
                }
                scheduleReconnect(fullRound);
            });
        }

        @Override
        public void onCompleted() {
            onError(Status.UNAVAILABLE.withDescription("server ended the sync stream").asRuntimeException());
        }
    }

    private void applySync(SyncAuthorizedResponse msg) {
        List<X509Certificate> newBundle = msg.getBundle().getX509AuthoritiesList().stream()
                .map(b -> Certificates.parse(b.toByteArray())).toList();
        List<X509Certificate> before = bundle;
        setBundle(newBundle);
        TrustBundle trustBundle = new TrustBundle(cache.trustDomain(), bundle, jwtAuthorities(msg.getBundle()),
                msg.getBundle().getSequence(), msg.getBundle().getRefreshHintSeconds() > 0
                        ? Duration.ofSeconds(msg.getBundle().getRefreshHintSeconds()) : null);
        if (trustBundle.sequence() > bundleIndex.current()) {
            bundleIndex.advanceTo(trustBundle.sequence());
        } else if (!bundle.equals(before)) {
            bundleIndex.bump();
        }
        List<Entry> entries = new ArrayList<>();
        for (var p : msg.getEntriesList()) {
            try {
                entries.add(EntryProtos.fromProto(p));
            } catch (IllegalArgumentException e) {
                log.warn("ignoring malformed entry {} from server: {}", p.getId(), e.getMessage());
            }
        }
        List<IdentityTemplate> templates = new ArrayList<>();
        for (var p : msg.getTemplatesList()) {
            try {
                templates.add(TemplateProtos.fromProto(p));
            } catch (IllegalArgumentException e) {
                log.warn("ignoring malformed identity template {} from server: {}", p.getId(), e.getMessage());
            }
        }
        cache.update(entries, templates, trustBundle);
        intentions.update(msg.getIntentionsList(), msg.getDefaultIntentionPolicy());
        synced = true;
        log.debug("synced {} authorized entries", entries.size());
        mintDue();
    }

    /** The JWT authorities of a sync message; malformed ones are skipped (logged). */
    static List<JwtAuthority> jwtAuthorities(Bundle b) {
        List<JwtAuthority> out = new ArrayList<>();
        for (JWTAuthority a : b.getJwtAuthoritiesList()) {
            try {
                Instant expires = a.getExpiresAtUnix() == 0 ? Instant.MAX : Instant.ofEpochSecond(a.getExpiresAtUnix());
                out.add(new JwtAuthority(a.getKeyId(), publicKey(a.getPublicKey().toByteArray()), expires));
            } catch (IllegalArgumentException e) {
                log.warn("ignoring malformed JWT authority \"{}\" from server: {}", a.getKeyId(), e.getMessage());
            }
        }
        return out;
    }

    private static PublicKey publicKey(byte[] pkixDer) {
        for (String alg : new String[] {"EC", "RSA"}) {
            try {
                return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(pkixDer));
            } catch (GeneralSecurityException e) {
                // not this algorithm
            }
        }
        throw new IllegalArgumentException("public key is not a PKIX DER EC or RSA key");
    }

    /**
     * Asks the server for a JWT-SVID (NewJWTSVID). Called on a Workload API thread, not the manager's: the
     * channel is read once, and a refusal of this one token (e.g. the entry was just deleted) does not
     * count as the agent losing its authorization.
     */
    private String mintJwtSvid(Entry entry, List<String> audience) throws JwtSvidException {
        ManagedChannel ch = channel;
        if (ch == null || closed) {
            throw new JwtSvidException("the agent is not connected to the server");
        }
        NewJWTSVIDResponse resp;
        try {
            resp = AgentApiGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(JWT_RPC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .newJWTSVID(NewJWTSVIDRequest.newBuilder().setEntryId(entry.id()).addAllAudience(audience).build());
        } catch (StatusRuntimeException e) {
            throw new JwtSvidException("server: " + describe(e), e);
        }
        if (resp.getToken().isEmpty()) {
            throw new JwtSvidException("server returned no token for entry " + entry.id());
        }
        return resp.getToken();
    }

    /**
     * Reports the identities workloads currently receive (ReportActive, catalog state): every
     * {@link #REPORT_INTERVAL}, and on the next tick (within a second) after the counts change. Runs on the
     * manager thread.
     */
    private void reportActiveIfDue() {
        ManagedChannel ch = channel;
        if (ch == null || closed || !synced) {
            return;
        }
        List<IdentityCache.Served> counts = cache.served();
        Instant now = clock.instant();
        if (counts.equals(lastReported) && lastReportAt != null && now.isBefore(lastReportAt.plus(REPORT_INTERVAL))) {
            return;
        }
        ReportActiveRequest.Builder req = ReportActiveRequest.newBuilder();
        for (IdentityCache.Served c : counts) {
            req.addIdentities(ActiveIdentity.newBuilder().setEntryId(c.entryId()).setSpiffeId(c.spiffeId()).setWorkloads(c.workloads()));
        }
        try {
            AgentApiGrpc.newBlockingStub(ch).withDeadlineAfter(RPC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).reportActive(req.build());
            lastReported = counts;
            lastReportAt = now;
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                lastReported = counts; // an older server: try again one interval later
                lastReportAt = now;
            } else {
                log.debug("reporting active identities failed: {}", describe(e));
            }
        }
    }

    /**
     * Connects again: at once to the next server after one server failed, or after the jittered backoff once a
     * full round of servers failed (or the channel could not be built).
     */
    private void scheduleReconnect(boolean fullRound) {
        if (closed || (reconnect != null && !reconnect.isDone())) {
            return;
        }
        if (!fullRound) {
            // at once after a stream that lived a while; a flapping cluster (a stream that fails right after its
            // first message, again and again) still gets at most one attempt per second
            long sinceLast = lastConnectAt == null ? Long.MAX_VALUE : Duration.between(lastConnectAt, clock.instant()).toMillis();
            long delay = Math.max(0, MIN_FAILOVER_INTERVAL.toMillis() - sinceLast);
            reconnect = executor.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
            return;
        }
        long jittered = (long) (backoff.toMillis() * (0.9 + 0.2 * random.nextDouble()));
        reconnect = executor.schedule(this::connect, jittered, TimeUnit.MILLISECONDS);
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
    }

    private void tick() {
        try {
            mintDue();
            rotateAgentSvidIfDue();
            reportActiveIfDue();
        } catch (RuntimeException e) {
            log.warn("agent maintenance failed: {}", e.toString());
        }
    }

    /** Mints SVIDs for every entry that needs one, in batches. Runs on the manager thread. */
    private void mintDue() {
        if (channel == null || closed) {
            return;
        }
        mintTemplated();
        List<Entry> due = cache.dueForMinting(clock.instant());
        for (int i = 0; i < due.size(); i += MAX_BATCH) {
            List<Entry> batch = due.subList(i, Math.min(due.size(), i + MAX_BATCH));
            Map<String, KeyPair> keys = new HashMap<>();
            Map<String, Entry> byId = new HashMap<>();
            BatchNewX509SVIDRequest.Builder req = BatchNewX509SVIDRequest.newBuilder();
            for (Entry e : batch) {
                KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
                keys.put(e.id(), kp);
                byId.put(e.id(), e);
                req.addParams(X509SVIDParams.newBuilder().setEntryId(e.id()).setCsr(ByteString.copyFrom(Csrs.create(kp))));
            }
            BatchNewX509SVIDResponse resp;
            try {
                resp = AgentApiGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(RPC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                        .batchNewX509SVID(req.build());
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.PERMISSION_DENIED) {
                    lostAuthorization(e.getStatus().getDescription());
                } else {
                    log.warn("minting {} SVIDs failed: {}; will retry", batch.size(), describe(e));
                }
                return;
            }
            List<X509Identity> minted = new ArrayList<>();
            for (X509SVIDResult r : resp.getResultsList()) {
                if (!r.getError().isEmpty() || r.getSvidChainCount() == 0) {
                    log.warn("server did not sign SVID for entry {}: {}", r.getEntryId(), r.getError());
                    continue;
                }
                Entry e = byId.get(r.getEntryId());
                KeyPair kp = keys.get(r.getEntryId());
                if (e == null || kp == null) {
                    continue;
                }
                List<X509Certificate> chain = r.getSvidChainList().stream().map(b -> Certificates.parse(b.toByteArray())).toList();
                if (!Certificates.spiffeId(chain.get(0)).map(e.spiffeId()::equals).orElse(false)
                        || !chain.get(0).getPublicKey().equals(kp.getPublic())) {
                    log.warn("server returned an SVID that does not match entry {}; discarded", e.id());
                    continue;
                }
                minted.add(new X509Identity(e, chain, kp.getPrivate()));
            }
            cache.put(minted, clock.instant());
            if (!minted.isEmpty()) {
                log.info("minted {} workload SVIDs", minted.size());
            }
        }
    }

    /**
     * Mints SVIDs for identities derived from templates (key generated here; the server checks the template is
     * authorized for this agent and the ID matches it). Runs on the manager thread.
     */
    private void mintTemplated() {
        for (IdentityCache.Templated t : cache.dueTemplated(clock.instant())) {
            Entry e = t.entry();
            KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
            NewTemplatedX509SVIDResponse resp;
            try {
                resp = AgentApiGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(RPC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                        .newTemplatedX509SVID(NewTemplatedX509SVIDRequest.newBuilder().setTemplateId(t.templateId())
                                .setSpiffeId(e.spiffeId().toString()).setCsr(ByteString.copyFrom(Csrs.create(kp))).build());
            } catch (StatusRuntimeException ex) {
                log.warn("server did not sign templated SVID {} (template {}): {}; will retry in 30s", e.spiffeId(),
                        t.templateId(), describe(ex));
                cache.templatedFailed(e.id(), clock.instant().plusSeconds(30));
                continue;
            }
            if (resp.getSvidChainCount() == 0) {
                continue;
            }
            List<X509Certificate> chain = resp.getSvidChainList().stream().map(b -> Certificates.parse(b.toByteArray())).toList();
            if (!Certificates.spiffeId(chain.get(0)).map(e.spiffeId()::equals).orElse(false)
                    || !chain.get(0).getPublicKey().equals(kp.getPublic())) {
                log.warn("server returned an SVID that does not match templated identity {}; discarded", e.spiffeId());
                continue;
            }
            cache.put(List.of(new X509Identity(e, chain, kp.getPrivate())), clock.instant());
            log.info("minted templated SVID {} (template {})", e.spiffeId(), t.templateId());
        }
    }

    private void rotateAgentSvidIfDue() {
        if (channel == null || closed) {
            return;
        }
        X509Certificate leaf = svid.chain().get(0);
        // Half-life counted from when this agent got the SVID, not from the server's backdated notBefore.
        Instant nb = leaf.getNotBefore().toInstant();
        if (svidSince != null && svidSince.isAfter(nb)) {
            nb = svidSince;
        }
        Instant na = leaf.getNotAfter().toInstant();
        Instant half = nb.plus(Duration.between(nb, na).dividedBy(2));
        if (clock.instant().isBefore(half)) {
            return;
        }
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
        try {
            RenewAgentResponse resp = AgentApiGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(RPC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .renewAgent(RenewAgentRequest.newBuilder().setCsr(ByteString.copyFrom(Csrs.create(kp))).build());
            List<X509Certificate> chain = resp.getSvidChainList().stream().map(b -> Certificates.parse(b.toByteArray())).toList();
            AgentState.Svid next = new AgentState.Svid(chain, kp.getPrivate());
            state.saveSvid(next);
            svid = next;
            svidSince = clock.instant();
            log.info("rotated agent SVID; new one expires {}", chain.get(0).getNotAfter().toInstant());
            // the new SVID needs a new connection anyway: pick a server afresh, so agents that failed over
            // spread again once the failed server is back
            connection.servers().rebalance(random);
            connect();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.PERMISSION_DENIED) {
                lostAuthorization(e.getStatus().getDescription());
            } else {
                log.warn("agent SVID rotation failed: {}; will retry", describe(e));
            }
        } catch (IOException e) {
            log.warn("cannot persist rotated agent SVID: {}", e.toString());
        }
    }

    private void lostAuthorization(String why) {
        if (closed) {
            return;
        }
        log.error("server refused this agent: {}. Forgetting the agent SVID and all workload identities.", why);
        closed = true;
        cache.clear();
        try {
            state.deleteSvid();
        } catch (IOException e) {
            log.warn("cannot delete agent SVID: {}", e.toString());
        }
        if (channel != null) {
            channel.shutdownNow();
        }
        fatal.accept("server refused this agent: " + why);
    }

    private static String describe(StatusRuntimeException e) {
        return describe(e.getStatus());
    }

    private static String describe(Status s) {
        String d = s.getDescription();
        if (d == null && s.getCause() != null) {
            d = s.getCause().getMessage();
        }
        return s.getCode() + (d == null ? "" : ": " + d);
    }

    private static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
        if (channel != null) {
            channel.shutdownNow();
        }
    }
}
