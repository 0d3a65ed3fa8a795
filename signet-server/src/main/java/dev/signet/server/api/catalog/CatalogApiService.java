package dev.signet.server.api.catalog;

import dev.signet.server.api.UnaryCalls;
import dev.signet.core.catalog.ServiceDefinition;
import dev.signet.core.catalog.ServiceProtos;
import dev.signet.core.registration.Entry;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.proto.catalog.v1.CatalogApiGrpc;
import dev.signet.proto.catalog.v1.DeregisterServiceResponse;
import dev.signet.proto.catalog.v1.ListServicesRequest;
import dev.signet.proto.catalog.v1.ListServicesResponse;
import dev.signet.proto.catalog.v1.RegisterServiceRequest;
import dev.signet.proto.catalog.v1.Service;
import dev.signet.proto.catalog.v1.ServiceRef;
import dev.signet.server.authorization.EntryCache;
import dev.signet.server.registration.EntryValidator;
import dev.signet.server.store.Datastore;
import dev.signet.server.store.RegisteredService;
import dev.signet.server.store.StoreException;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog API on the admin socket: Consul-style service definitions, each stored with the managed
 * registration entries it derives ({@link ServiceDefinition#entries}) in one transaction. The entry cache is
 * reloaded right after, so connected agents and their open workload streams get the change through the usual
 * push path. Invalid definitions fail with INVALID_ARGUMENT and a message that starts with the field at fault.
 */
public final class CatalogApiService extends CatalogApiGrpc.CatalogApiImplBase {
    private static final Logger log = LoggerFactory.getLogger(CatalogApiService.class);

    private final TrustDomain trustDomain;
    private final Datastore store;
    private final EntryValidator validator;
    private final EntryCache entryCache;

    public CatalogApiService(TrustDomain trustDomain, Datastore store, EntryCache entryCache) {
        this.trustDomain = trustDomain;
        this.store = store;
        this.validator = new EntryValidator(trustDomain);
        this.entryCache = entryCache;
    }

    @Override
    public void registerService(RegisterServiceRequest req, StreamObserver<Service> out) {
        UnaryCalls.respond(out, () -> {
            ServiceDefinition def = ServiceProtos.fromProto(req.getDefinition()).validate();
            // The derived entries must pass the same checks as entries created through the admin API (TTL bounds,
            // DNS names, hint length); their messages name the same fields as the definition's.
            for (Entry e : def.entries(trustDomain)) {
                validator.validate(e);
            }
            RegisteredService stored = store.services().register(def, trustDomain);
            entryCache.reloadIfChanged(); // a no-op when the commit report already applied the entries
            log.info("registered service {} as {} (revision {}, entries {})", def.key().describe(), stored.spiffeId(),
                    stored.revision(), stored.entryIds());
            return toProto(stored);
        });
    }

    @Override
    public void deregisterService(ServiceRef req, StreamObserver<DeregisterServiceResponse> out) {
        UnaryCalls.respond(out, () -> {
            ServiceDefinition.Key key = key(req);
            if (!store.services().deregister(key)) {
                throw new StoreException.NotFound("service " + key.describe() + " not found");
            }
            entryCache.reloadIfChanged(); // a no-op when the commit report already applied the entries
            log.info("deregistered service {}", key.describe());
            return DeregisterServiceResponse.getDefaultInstance();
        });
    }

    @Override
    public void getService(ServiceRef req, StreamObserver<Service> out) {
        UnaryCalls.respond(out, () -> {
            ServiceDefinition.Key key = key(req);
            return toProto(store.services().get(key)
                    .orElseThrow(() -> new StoreException.NotFound("service " + key.describe() + " not found")));
        });
    }

    @Override
    public void listServices(ListServicesRequest req, StreamObserver<ListServicesResponse> out) {
        UnaryCalls.respond(out, () -> {
            ListServicesResponse.Builder b = ListServicesResponse.newBuilder();
            store.services().list().forEach(s -> b.addServices(toProto(s)));
            return b.build();
        });
    }

    private static ServiceDefinition.Key key(ServiceRef ref) {
        if (ref.getName().isEmpty()) {
            throw new IllegalArgumentException("name: the service name is required");
        }
        return new ServiceDefinition.Key(ref.getPartition(), ref.getNamespace(), ref.getDatacenter(), ref.getName());
    }

    static Service toProto(RegisteredService s) {
        return Service.newBuilder()
                .setDefinition(ServiceProtos.toProto(s.definition()))
                .setSpiffeId(s.spiffeId().toString())
                .addAllEntryIds(s.entryIds())
                .setRevision(s.revision())
                .setCreatedAtUnix(s.createdAt().getEpochSecond())
                .setUpdatedAtUnix(s.updatedAt().getEpochSecond())
                .build();
    }

}
