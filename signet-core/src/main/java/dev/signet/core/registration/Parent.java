package dev.signet.core.registration;

import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import java.util.Collections;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/** Where an entry may be served: one agent, any agent whose node selectors include a set, or any agent. */
public sealed interface Parent {

    /** True if an agent with this ID and these node selectors may receive the entry. */
    boolean admits(SpiffeId agentId, Set<Selector> agentSelectors);

    /** Served only by the agent with this SPIFFE ID. */
    record AgentId(SpiffeId id) implements Parent {
        @Override
        public boolean admits(SpiffeId agentId, Set<Selector> agentSelectors) {
            return id.equals(agentId);
        }

        @Override
        public String toString() {
            return id.toString();
        }
    }

    /** Served by every agent attested with all of these node selectors. */
    record NodeSelectors(SortedSet<Selector> selectors) implements Parent {
        public NodeSelectors {
            if (selectors == null || selectors.isEmpty()) {
                throw new IllegalArgumentException("node selectors must not be empty");
            }
            selectors = Collections.unmodifiableSortedSet(new TreeSet<>(selectors));
        }

        @Override
        public boolean admits(SpiffeId agentId, Set<Selector> agentSelectors) {
            return agentSelectors.containsAll(selectors);
        }

        @Override
        public String toString() {
            return "node selectors " + selectors;
        }
    }

    /** Served by every agent of the trust domain. */
    record AnyNode() implements Parent {
        @Override
        public boolean admits(SpiffeId agentId, Set<Selector> agentSelectors) {
            return true;
        }

        @Override
        public String toString() {
            return "any node";
        }
    }
}
