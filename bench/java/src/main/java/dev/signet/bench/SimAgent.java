package dev.signet.bench;

import com.google.protobuf.ByteString;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Csrs;
import dev.signet.core.x509.ServerCertificateTrustManager;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.x509.SvidVerifier;
import dev.signet.proto.agent.v1.AgentApiGrpc;
import dev.signet.proto.agent.v1.BatchNewX509SVIDRequest;
import dev.signet.proto.agent.v1.BatchNewX509SVIDResponse;
import dev.signet.proto.agent.v1.SyncAuthorizedRequest;
import dev.signet.proto.agent.v1.SyncAuthorizedResponse;
import dev.signet.proto.agent.v1.X509SVIDParams;
import dev.signet.proto.agent.v1.X509SVIDResult;
import dev.signet.proto.common.v1.Entry;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.TrustManagerFactoryWrapper;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A simulated node agent: attests with a join token over server-authenticated TLS, then talks to the agent API
 * over mutual TLS with its own SVID, like {@code signet agent run}, but without serving workloads.
 *
 * <p>With {@link #syncAndMint} it also does the server work a real agent causes (signet-agent's AgentManager): after
 * every SyncAuthorized push it pre-mints an X509-SVID for each authorized entry it holds no SVID for, or whose SVID
 * was minted for an older revision of the entry (IdentityCache.dueForMinting), with a fresh P-256 key and the
 * agent's CSR shape ({@link Csrs#create}) per entry, at most 500 CSRs per BatchNewX509SVID call; SVIDs of entries
 * no longer authorized are forgotten. Minting runs off the stream's callback, one round at a time per agent
 * (the real agent's single manager thread), so the arrival time of a push is taken before any minting.
 * A failed call is retried after 1 s (the real agent's maintenance tick).
 *
 * <p>Renewal (the real agent re-mints at about half the SVID lifetime, ±10 %) is not simulated: the bench
 * server's default_x509_svid_ttl is 1 h and every phase is far shorter than 30 min, so no renewal would come due.
 * Identity templates are not simulated either (the bench creates none). The returned chain is counted, not
 * parsed or checked (the real agent checks SPIFFE ID and key): client-side work only, no server cost.
 */
final class SimAgent implements AutoCloseable {
    /** The real agent's CSR batch limit (AgentManager.MAX_BATCH). */
    static final int MAX_BATCH = 500;
    private static final long RPC_TIMEOUT_S = 30;
    /** X509-SVIDs minted by every simulated agent of this JVM. */
    private static final AtomicLong MINTED = new AtomicLong();
    private static final AtomicLong MINT_ERRORS = new AtomicLong();
    private static final java.util.concurrent.atomic.AtomicReference<String> LAST_MINT_ERROR = new java.util.concurrent.atomic.AtomicReference<>("");
    /**
     * Minting threads shared by the simulated agents (each agent's rounds still run one at a time): bounded so a push
     * to 1,000 agents does not start 1,000 threads in the bench JVM; 16 calls in flight keep a 2-core server busy.
     */
    private static final ExecutorService MINTERS = Executors.newFixedThreadPool(16, r -> {
        Thread t = new Thread(r, "sim-agent-mint");
        t.setDaemon(true);
        return t;
    });
    private static final ScheduledExecutorService RETRY = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sim-agent-mint-retry");
        t.setDaemon(true);
        return t;
    });

    final String spiffeId;
    final ManagedChannel channel;
    final AgentApiGrpc.AgentApiStub async;
    final AgentApiGrpc.AgentApiBlockingStub blocking;

    /** The entries of the latest sync push (null before the first). */
    private volatile List<Entry> latest;
    /** Entry ID → revision its SVID was minted for (the minting thread only). */
    private final Map<String, Long> svids = new HashMap<>();
    /** Mint requests not yet served: one round runs at a time, later requests coalesce into the next. */
    private final AtomicInteger pending = new AtomicInteger();
    /** Completes once a minting round after the first sync left nothing due. */
    private final CompletableFuture<Void> firstMint = new CompletableFuture<>();
    private final AtomicLong minted = new AtomicLong();
    private volatile boolean closed;

    private SimAgent(String spiffeId, ManagedChannel channel) {
        this.spiffeId = spiffeId;
        this.channel = channel;
        this.async = AgentApiGrpc.newStub(channel);
        this.blocking = AgentApiGrpc.newBlockingStub(channel);
    }

    static SimAgent attest(EventLoopGroup group, String host, int port, String trustDomain, List<X509Certificate> bundle,
            String joinToken) throws Exception {
        ManagedChannel bootstrap = channel(group, host, port, trustDomain, bundle, SslContextBuilder.forClient());
        AgentAttestation.Result r;
        try {
            r = AgentAttestation.attest(bootstrap, joinToken);
        } finally {
            bootstrap.shutdownNow();
        }
        ManagedChannel ch = channel(group, host, port, trustDomain, bundle,
                SslContextBuilder.forClient().keyManager(r.key().getPrivate(), r.chain().toArray(new X509Certificate[0])));
        return new SimAgent(r.spiffeId(), ch);
    }

    /** Opens the sync stream; {@code onResponse} gets every push with its arrival time (System.nanoTime). */
    void sync(Consumer<SyncAuthorizedResponse> onResponse, Consumer<Throwable> onError) {
        async.syncAuthorized(SyncAuthorizedRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(SyncAuthorizedResponse r) {
                onResponse.accept(r);
            }

            @Override
            public void onError(Throwable t) {
                onError.accept(t);
            }

            @Override
            public void onCompleted() {
                onError.accept(new IllegalStateException("sync stream ended"));
            }
        });
    }

    /**
     * Opens the sync stream like {@link #sync}, and after every push mints the SVIDs that are due, as the real agent
     * does. The returned future completes once the first push has arrived and its minting is done (the agent is
     * "ready": it could serve every authorized identity).
     */
    CompletableFuture<Void> syncAndMint(Consumer<SyncAuthorizedResponse> onResponse, Consumer<Throwable> onError) {
        sync(r -> {
            onResponse.accept(r);
            latest = r.getEntriesList();
            requestMint();
        }, t -> {
            onError.accept(t);
            firstMint.completeExceptionally(t);
        });
        return firstMint;
    }

    /** X509-SVIDs this agent has minted. */
    long minted() {
        return minted.get();
    }

    /** The most recent failed call or refused CSR ("" if none). */
    static String lastMintError() {
        return LAST_MINT_ERROR.get();
    }

    /** X509-SVIDs minted by all simulated agents of this JVM so far. */
    static long totalMinted() {
        return MINTED.get();
    }

    /** Failed BatchNewX509SVID calls and refused CSRs of all simulated agents so far. */
    static long totalMintErrors() {
        return MINT_ERRORS.get();
    }

    private void requestMint() {
        if (pending.getAndIncrement() == 0) {
            MINTERS.execute(this::mintRounds);
        }
    }

    private void mintRounds() {
        int seen;
        do {
            seen = pending.get();
            if (!closed) {
                mintDue();
            }
        } while (pending.addAndGet(-seen) != 0);
    }

    /** One round: every due entry, in batches of at most {@link #MAX_BATCH}. */
    private void mintDue() {
        List<Entry> entries = latest;
        if (entries == null) {
            return;
        }
        Set<String> ids = new HashSet<>();
        List<Entry> due = new ArrayList<>();
        for (Entry e : entries) {
            ids.add(e.getId());
            Long rev = svids.get(e.getId());
            if (rev == null || rev != e.getRevision()) {
                due.add(e);
            }
        }
        svids.keySet().retainAll(ids); // entries no longer authorized: forget their SVIDs
        boolean failed = false;
        for (int i = 0; i < due.size() && !closed; i += MAX_BATCH) {
            List<Entry> batch = due.subList(i, Math.min(due.size(), i + MAX_BATCH));
            BatchNewX509SVIDRequest.Builder req = BatchNewX509SVIDRequest.newBuilder();
            for (Entry e : batch) {
                req.addParams(X509SVIDParams.newBuilder().setEntryId(e.getId())
                        .setCsr(ByteString.copyFrom(Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256)))));
            }
            BatchNewX509SVIDResponse resp;
            try {
                resp = blocking.withDeadlineAfter(RPC_TIMEOUT_S, TimeUnit.SECONDS).batchNewX509SVID(req.build());
            } catch (RuntimeException ex) {
                MINT_ERRORS.incrementAndGet();
                LAST_MINT_ERROR.set("BatchNewX509SVID: " + ex.getMessage());
                failed = true;
                break;
            }
            Map<String, Long> revisions = new HashMap<>();
            batch.forEach(e -> revisions.put(e.getId(), e.getRevision()));
            for (X509SVIDResult r : resp.getResultsList()) {
                Long rev = revisions.get(r.getEntryId());
                if (!r.getError().isEmpty() || r.getSvidChainCount() == 0 || rev == null) {
                    MINT_ERRORS.incrementAndGet();
                    LAST_MINT_ERROR.set("entry " + r.getEntryId() + ": " + r.getError());
                    failed = true;
                    continue;
                }
                svids.put(r.getEntryId(), rev);
                minted.incrementAndGet();
                MINTED.incrementAndGet();
            }
        }
        if (failed && !closed) {
            RETRY.schedule(this::requestMint, 1, TimeUnit.SECONDS);
        } else if (!closed) {
            firstMint.complete(null);
        }
    }

    @Override
    public void close() {
        closed = true;
        firstMint.completeExceptionally(new IllegalStateException("closed"));
        channel.shutdownNow();
    }

    private static ManagedChannel channel(EventLoopGroup group, String host, int port, String trustDomain,
            List<X509Certificate> bundle, SslContextBuilder b) throws Exception {
        SslContext ctx = GrpcSslContexts.configure(b, SslProvider.JDK)
                .trustManager(new TrustManagerFactoryWrapper(new ServerTrust(trustDomain, bundle)))
                .protocols("TLSv1.3", "TLSv1.2")
                .build();
        return NettyChannelBuilder.forAddress(host, port)
                .channelType(EpollSocketChannel.class)
                .eventLoopGroup(group)
                .sslContext(ctx)
                .maxInboundMessageSize(256 * 1024 * 1024)
                .build();
    }

    /** Accepts the trust domain's server SVID chaining to the bundle; no host name check (SPIFFE). */
    private static final class ServerTrust extends ServerCertificateTrustManager {
        private final String expected;
        private final List<X509Certificate> bundle;

        ServerTrust(String trustDomain, List<X509Certificate> bundle) {
            this.expected = "spiffe://" + trustDomain + "/signet/server";
            this.bundle = bundle;
        }

        @Override
        protected void checkServer(X509Certificate[] chain, String authType) throws CertificateException {
            SpiffeId id;
            try {
                id = SvidVerifier.verify(List.of(chain), bundle, Instant.now());
            } catch (GeneralSecurityException e) {
                throw new CertificateException(e);
            }
            if (!expected.equals(id.toString())) {
                throw new CertificateException("server presented " + id);
            }
        }
    }
}
