package dev.signet.server.store;

import dev.signet.core.spiffeid.SpiffeId;
import java.util.List;
import java.util.Optional;

/** Attested agents (nodes). */
public interface AgentStore {
    /** @throws StoreException.AlreadyExists if an agent with this ID exists */
    void create(AgentRecord agent);

    Optional<AgentRecord> get(SpiffeId id);

    /**
     * Replaces an agent's record. A ban is final: a banned agent's record can only be replaced by another banned
     * one, so a write based on an earlier read (a certificate promotion, a renewal, a re-attestation, possibly on
     * another server) can never lift a ban made meanwhile.
     *
     * @throws StoreException.NotFound if there is no such agent (e.g. evicted meanwhile)
     * @throws StoreException.Conflict if the agent is banned and {@code agent} is not
     */
    void update(AgentRecord agent);

    /** Deletes (evicts) an agent; false if there was none. */
    boolean delete(SpiffeId id);

    /** All agents, ordered by ID. */
    List<AgentRecord> list();
}
