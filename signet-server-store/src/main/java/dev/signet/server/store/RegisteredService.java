package dev.signet.server.store;

import dev.signet.core.catalog.ServiceDefinition;
import dev.signet.core.spiffeid.SpiffeId;
import java.time.Instant;
import java.util.List;

/**
 * A service definition as stored: its SPIFFE ID, the IDs of the managed entries it is materialized as (one per
 * workload selector set, in order), a revision that rises with every re-registration, and when it was first
 * registered and last changed.
 */
public record RegisteredService(ServiceDefinition definition, SpiffeId spiffeId, List<String> entryIds, long revision,
        Instant createdAt, Instant updatedAt) {
    public RegisteredService {
        entryIds = List.copyOf(entryIds);
    }

    public ServiceDefinition.Key key() {
        return definition.key();
    }
}
