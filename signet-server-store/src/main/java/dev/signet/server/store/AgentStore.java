package dev.signet.server.store;

import dev.signet.core.spiffeid.SpiffeId;
import java.util.List;
import java.util.Optional;

/** Attested agents (nodes). */
public interface AgentStore {
    /** @throws StoreException.AlreadyExists if an agent with this ID exists */
    void create(AgentRecord agent);

    Optional<AgentRecord> get(SpiffeId id);

    /** @throws StoreException.NotFound if there is no such agent */
    void update(AgentRecord agent);

    /** Deletes (evicts) an agent; false if there was none. */
    boolean delete(SpiffeId id);

    /** All agents, ordered by ID. */
    List<AgentRecord> list();
}
