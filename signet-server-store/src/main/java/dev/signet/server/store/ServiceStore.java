package dev.signet.server.store;

import dev.signet.core.catalog.ServiceDefinition;
import dev.signet.core.spiffeid.TrustDomain;
import java.util.List;
import java.util.Optional;

/**
 * Catalog service definitions, each materialized as managed registration entries in the same transaction:
 * {@link ServiceDefinition#entries} of the trust domain, under their deterministic IDs.
 */
public interface ServiceStore {
    /**
     * Creates or replaces the service with {@code definition.key()} and, in the same transaction, creates its
     * managed entries, updates those that exist (bumping their revision; unchanged ones are left as they are) and
     * deletes the ones a previous definition had beyond the new count. The definition must be valid.
     *
     * @throws StoreException.AlreadyExists if a derived entry ID is taken by an entry this service does not manage,
     *     or a derived entry would duplicate another entry; nothing is changed then
     */
    RegisteredService register(ServiceDefinition definition, TrustDomain trustDomain);

    Optional<RegisteredService> get(ServiceDefinition.Key key);

    /** All services, ordered by key (partition, namespace, datacenter, name). */
    List<RegisteredService> list();

    /** Deletes the service and its managed entries in one transaction; false if there was no such service. */
    boolean deregister(ServiceDefinition.Key key);

    /** The service that manages the entry with this ID, if any. */
    Optional<ServiceDefinition.Key> managingService(String entryId);
}
