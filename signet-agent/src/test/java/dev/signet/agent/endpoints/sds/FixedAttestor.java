package dev.signet.agent.endpoints.sds;

import dev.signet.agent.attestor.workload.AttestationException;
import dev.signet.agent.attestor.workload.Caller;
import dev.signet.agent.attestor.workload.WorkloadAttestor;
import dev.signet.core.selector.Selector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A workload attestor that records its callers and returns fixed selectors, or fails on demand. */
final class FixedAttestor implements WorkloadAttestor {
    final List<Caller> callers = new CopyOnWriteArrayList<>();
    volatile String failure;

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public List<Selector> attest(Caller caller) throws AttestationException {
        callers.add(caller);
        if (failure != null) {
            throw new AttestationException(name(), failure);
        }
        return List.of(new Selector("fake", "workload:a"));
    }
}
