package dev.signet.server.api.admin;

import dev.signet.server.api.UnaryCalls;
import dev.signet.core.bundle.BundleProtos;
import dev.signet.core.registration.Entry;
import dev.signet.core.registration.EntryProtos;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.proto.admin.v1.AdminApiGrpc;
import dev.signet.proto.admin.v1.AgentRef;
import dev.signet.proto.admin.v1.CreateJoinTokenRequest;
import dev.signet.proto.admin.v1.DeleteResponse;
import dev.signet.proto.admin.v1.EntryRef;
import dev.signet.proto.admin.v1.GetBundleRequest;
import dev.signet.proto.admin.v1.HealthRequest;
import dev.signet.proto.admin.v1.HealthResponse;
import dev.signet.proto.admin.v1.JoinToken;
import dev.signet.proto.admin.v1.ListAgentsRequest;
import dev.signet.proto.admin.v1.ListAgentsResponse;
import dev.signet.proto.admin.v1.ListEntriesRequest;
import dev.signet.proto.admin.v1.ListEntriesResponse;
import dev.signet.proto.common.v1.Agent;
import dev.signet.proto.common.v1.Bundle;
import dev.signet.server.authorization.EntryCache;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.registration.EntryValidator;
import dev.signet.server.store.AgentRecord;
import dev.signet.server.store.Datastore;
import dev.signet.server.store.StoreException;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API, served on the local admin socket: registration entries, join tokens, agents, the bundle.
 * Invalid requests fail with INVALID_ARGUMENT and a message that starts with the field at fault; a failed
 * request changes nothing.
 */
public final class AdminApiService extends AdminApiGrpc.AdminApiImplBase {
    private static final Logger log = LoggerFactory.getLogger(AdminApiService.class);
    /** Join token lifetime when the request gives none (SPIRE's CLI default). */
    public static final Duration DEFAULT_TOKEN_TTL = Duration.ofMinutes(10);
    public static final Duration MAX_TOKEN_TTL = Duration.ofDays(365);

    private final TrustDomain trustDomain;
    private final Datastore store;
    private final EntryValidator validator;
    private final EntryCache entryCache;
    private final CertificateAuthority ca;
    private final Runnable agentsChanged;
    private final Clock clock;

    public AdminApiService(TrustDomain trustDomain, Datastore store, EntryCache entryCache, CertificateAuthority ca,
            Runnable agentsChanged, Clock clock) {
        this.trustDomain = trustDomain;
        this.store = store;
        this.validator = new EntryValidator(trustDomain);
        this.entryCache = entryCache;
        this.ca = ca;
        this.agentsChanged = agentsChanged;
        this.clock = clock;
    }

    @Override
    public void createEntry(dev.signet.proto.common.v1.Entry req, StreamObserver<dev.signet.proto.common.v1.Entry> out) {
        UnaryCalls.respond(out, () -> {
            if (!req.getId().isEmpty()) {
                checkEntryId(req.getId());
            }
            Entry e = parseAndValidate(req);
            Entry stored = store.entries().create(e);
            entryCache.written(stored.id(), stored); // applied in memory as it committed; reloads only if not
            log.info("created entry {} for {}", stored.id(), stored.spiffeId());
            return EntryProtos.toProto(stored);
        });
    }

    @Override
    public void updateEntry(dev.signet.proto.common.v1.Entry req, StreamObserver<dev.signet.proto.common.v1.Entry> out) {
        UnaryCalls.respond(out, () -> {
            if (req.getId().isEmpty()) {
                throw new IllegalArgumentException("id: the entry ID to update is required");
            }
            rejectManaged(req.getId());
            Entry e = parseAndValidate(req);
            Entry stored = store.entries().update(e);
            entryCache.written(stored.id(), stored);
            log.info("updated entry {} (revision {})", stored.id(), stored.revision());
            return EntryProtos.toProto(stored);
        });
    }

    @Override
    public void deleteEntry(EntryRef req, StreamObserver<DeleteResponse> out) {
        UnaryCalls.respond(out, () -> {
            rejectManaged(req.getId());
            if (!store.entries().delete(req.getId())) {
                throw new StoreException.NotFound("entry " + req.getId() + " not found");
            }
            entryCache.written(req.getId(), null);
            log.info("deleted entry {}", req.getId());
            return DeleteResponse.getDefaultInstance();
        });
    }

    @Override
    public void getEntry(EntryRef req, StreamObserver<dev.signet.proto.common.v1.Entry> out) {
        UnaryCalls.respond(out, () -> EntryProtos.toProto(store.entries().get(req.getId())
                .orElseThrow(() -> new StoreException.NotFound("entry " + req.getId() + " not found"))));
    }

    @Override
    public void listEntries(ListEntriesRequest req, StreamObserver<ListEntriesResponse> out) {
        UnaryCalls.respond(out, () -> {
            List<Entry> list;
            if (req.getSpiffeId().isEmpty()) {
                list = store.entries().list();
            } else {
                SpiffeId id = parseId("spiffe_id", req.getSpiffeId());
                list = store.entries().listBySpiffeId(id);
            }
            ListEntriesResponse.Builder b = ListEntriesResponse.newBuilder();
            list.forEach(e -> b.addEntries(EntryProtos.toProto(e)));
            return b.build();
        });
    }

    @Override
    public void createJoinToken(CreateJoinTokenRequest req, StreamObserver<JoinToken> out) {
        UnaryCalls.respond(out, () -> {
            Duration ttl = req.getTtlSeconds() == 0 ? DEFAULT_TOKEN_TTL : Duration.ofSeconds(req.getTtlSeconds());
            if (ttl.isNegative() || ttl.compareTo(MAX_TOKEN_TTL) > 0) {
                throw new IllegalArgumentException("ttl: must be between 1s and " + MAX_TOKEN_TTL.toDays() + " days");
            }
            for (Map.Entry<String, String> l : req.getLabelsMap().entrySet()) {
                if (!l.getKey().matches("[A-Za-z0-9._/-]{1,128}")) {
                    throw new IllegalArgumentException("labels: key \"" + l.getKey() + "\" must be 1-128 characters of letters, digits, '.', '_', '/', '-'");
                }
                if (l.getValue().isEmpty() || l.getValue().length() > 256 || l.getValue().chars().anyMatch(Character::isISOControl)) {
                    throw new IllegalArgumentException("labels: value of \"" + l.getKey() + "\" must be 1-256 printable characters");
                }
            }
            String token = UUID.randomUUID().toString();
            Instant expires = clock.instant().plus(ttl);
            store.joinTokens().create(new dev.signet.server.store.JoinToken(token, expires, new java.util.TreeMap<>(req.getLabelsMap())));
            log.info("created join token expiring {} with labels {}", expires, req.getLabelsMap());
            return JoinToken.newBuilder().setToken(token).setExpiresAtUnix(expires.getEpochSecond()).putAllLabels(req.getLabelsMap()).build();
        });
    }

    @Override
    public void listAgents(ListAgentsRequest req, StreamObserver<ListAgentsResponse> out) {
        UnaryCalls.respond(out, () -> {
            ListAgentsResponse.Builder b = ListAgentsResponse.newBuilder();
            store.agents().list().forEach(a -> b.addAgents(toProto(a)));
            return b.build();
        });
    }

    @Override
    public void evictAgent(AgentRef req, StreamObserver<DeleteResponse> out) {
        UnaryCalls.respond(out, () -> {
            SpiffeId id = parseId("spiffe_id", req.getSpiffeId());
            if (!store.agents().delete(id)) {
                throw new StoreException.NotFound("agent " + id + " not found");
            }
            agentsChanged.run();
            log.info("evicted agent {}", id);
            return DeleteResponse.getDefaultInstance();
        });
    }

    @Override
    public void banAgent(AgentRef req, StreamObserver<DeleteResponse> out) {
        UnaryCalls.respond(out, () -> {
            SpiffeId id = parseId("spiffe_id", req.getSpiffeId());
            AgentRecord a = store.agents().get(id).orElseThrow(() -> new StoreException.NotFound("agent " + id + " not found"));
            store.agents().update(a.asBanned());
            agentsChanged.run();
            log.info("banned agent {}", id);
            return DeleteResponse.getDefaultInstance();
        });
    }

    @Override
    public void getBundle(GetBundleRequest req, StreamObserver<Bundle> out) {
        UnaryCalls.respond(out, () -> BundleProtos.toProto(ca.bundle()));
    }

    @Override
    public void health(HealthRequest req, StreamObserver<HealthResponse> out) {
        UnaryCalls.respond(out, () -> {
            store.entries().changeCounter(); // the datastore answers
            ca.current();
            return HealthResponse.newBuilder().setStatus("SERVING").setTrustDomain(trustDomain.name()).build();
        });
    }

    /** Entries a catalog service materialized change only through the catalog API. */
    private void rejectManaged(String id) {
        store.services().managingService(id).ifPresent(k -> {
            throw new UnaryCalls.FailedPrecondition("entry " + id + " is managed by service " + k.describe() + "; use signet service");
        });
    }


    private Entry parseAndValidate(dev.signet.proto.common.v1.Entry req) {
        Entry e = EntryProtos.fromProto(req);
        validator.validate(e);
        return e;
    }

    private static void checkEntryId(String id) {
        if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("id: must be 1-64 characters of letters, digits, '.', '_', '-'");
        }
    }

    private static SpiffeId parseId(String field, String s) {
        try {
            return SpiffeId.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
    }

    static Agent toProto(AgentRecord a) {
        Agent.Builder b = Agent.newBuilder()
                .setSpiffeId(a.id().toString())
                .setAttestationType(a.attestationType() == null ? "" : a.attestationType())
                .setCertSerial(a.certSerial())
                .setCertNotAfterUnix(a.certNotAfter() == null ? 0 : a.certNotAfter().getEpochSecond())
                .setBanned(a.banned())
                .setCreatedAtUnix(a.createdAt() == null ? 0 : a.createdAt().getEpochSecond())
                .setLastSeenUnix(a.lastSeen() == null ? 0 : a.lastSeen().getEpochSecond());
        a.selectors().forEach(s -> b.addSelectors(EntryProtos.toProto(s)));
        return b.build();
    }

}
