package dev.signet.server.api.intention;

import dev.signet.server.api.UnaryCalls;
import dev.signet.core.intention.Action;
import dev.signet.core.intention.Caller;
import dev.signet.core.intention.Decision;
import dev.signet.core.intention.Intention;
import dev.signet.core.intention.IntentionDestination;
import dev.signet.core.intention.IntentionProtos;
import dev.signet.core.intention.IntentionSource;
import dev.signet.core.intention.Intentions;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.proto.intention.v1.CheckIntentionRequest;
import dev.signet.proto.intention.v1.CheckIntentionResponse;
import dev.signet.proto.intention.v1.CreateIntentionRequest;
import dev.signet.proto.intention.v1.DeleteIntentionRequest;
import dev.signet.proto.intention.v1.DeleteIntentionResponse;
import dev.signet.proto.intention.v1.IntentionApiGrpc;
import dev.signet.proto.intention.v1.ListIntentionsRequest;
import dev.signet.proto.intention.v1.ListIntentionsResponse;
import dev.signet.server.store.IntentionStore;
import dev.signet.server.store.StoreException;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The intention API on the admin socket: create, delete, list and check intentions. Invalid requests fail with
 * INVALID_ARGUMENT and a message starting with the field at fault ({@code source: ...}). After every change
 * {@code changed} runs, which pushes the new set to connected agents.
 */
public final class IntentionApiService extends IntentionApiGrpc.IntentionApiImplBase {
    private static final Logger log = LoggerFactory.getLogger(IntentionApiService.class);

    private final TrustDomain trustDomain;
    private final IntentionStore store;
    private final Action defaultPolicy;
    private final Runnable changed;

    public IntentionApiService(TrustDomain trustDomain, IntentionStore store, Action defaultPolicy, Runnable changed) {
        this.trustDomain = trustDomain;
        this.store = store;
        this.defaultPolicy = defaultPolicy;
        this.changed = changed;
    }

    @Override
    public void create(CreateIntentionRequest req, StreamObserver<dev.signet.proto.intention.v1.Intention> out) {
        UnaryCalls.respond(out, () -> {
            IntentionSource source = field("source", () -> IntentionSource.parse(req.getSource()));
            IntentionDestination destination = field("destination", () -> IntentionDestination.parse(req.getDestination()));
            Action action = IntentionProtos.action(req.getAction());
            Intention i = field("description", () -> new Intention(null, source, destination, action, req.getDescription(), null, null));
            Intention stored = store.create(i);
            log.info("created intention {} {}", stored.id(), stored.summary());
            changed.run();
            return IntentionProtos.toProto(stored);
        });
    }

    @Override
    public void delete(DeleteIntentionRequest req, StreamObserver<DeleteIntentionResponse> out) {
        UnaryCalls.respond(out, () -> {
            String id;
            if (!req.getId().isEmpty()) {
                if (!req.getSource().isEmpty() || !req.getDestination().isEmpty()) {
                    throw new IllegalArgumentException("id: give either an id or a source and a destination, not both");
                }
                id = req.getId();
            } else {
                if (req.getSource().isEmpty() && req.getDestination().isEmpty()) {
                    throw new IllegalArgumentException("id: is required (or a source and a destination)");
                }
                IntentionSource source = field("source", () -> IntentionSource.parse(req.getSource()));
                IntentionDestination destination = field("destination", () -> IntentionDestination.parse(req.getDestination()));
                id = store.find(source, destination).map(Intention::id).orElseThrow(() -> new StoreException.NotFound(
                        "no intention from " + source + " to " + destination));
            }
            if (!store.delete(id)) {
                throw new StoreException.NotFound("no intention with ID " + id);
            }
            log.info("deleted intention {}", id);
            changed.run();
            return DeleteIntentionResponse.getDefaultInstance();
        });
    }

    @Override
    public void list(ListIntentionsRequest req, StreamObserver<ListIntentionsResponse> out) {
        UnaryCalls.respond(out, () -> {
            ListIntentionsResponse.Builder b = ListIntentionsResponse.newBuilder().setDefaultPolicy(defaultPolicy.text());
            new Intentions(store.list(), defaultPolicy).all().forEach(i -> b.addIntentions(IntentionProtos.toProto(i)));
            return b.build();
        });
    }

    @Override
    public void check(CheckIntentionRequest req, StreamObserver<CheckIntentionResponse> out) {
        UnaryCalls.respond(out, () -> {
            Caller caller = field("source", () -> caller(req.getSource()));
            IntentionDestination d = field("destination", () -> IntentionDestination.parse(req.getDestination()));
            if (!d.isOneService()) {
                throw new IllegalArgumentException("destination: must be one service (name or ns/name), not a wildcard");
            }
            Decision decision = new Intentions(store.list(), defaultPolicy).decide(caller, d.namespace(), d.name());
            CheckIntentionResponse.Builder b = CheckIntentionResponse.newBuilder()
                    .setAllowed(decision.allowed()).setReason(decision.reason());
            if (decision.decidedBy() != null) {
                b.setIntention(IntentionProtos.toProto(decision.decidedBy()));
            }
            return b.build();
        });
    }

    private Caller caller(String source) {
        if (source.isBlank()) {
            throw new IllegalArgumentException("is required (a service name, ns/name or a SPIFFE ID)");
        }
        if (source.contains("://")) {
            SpiffeId id = SpiffeId.parse(source.strip());
            if (id.path().isEmpty()) {
                throw new IllegalArgumentException("must be one identity, not a whole trust domain: \"" + source + "\"");
            }
            return Caller.of(id, trustDomain);
        }
        return Caller.service(source.strip());
    }

    /** Runs {@code body}, prefixing an IllegalArgumentException's message with {@code name: }. */
    private static <T> T field(String name, Supplier<T> body) {
        try {
            return body.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }

}
