package dev.signet.agent.endpoints.workload;

import dev.signet.agent.attestor.workload.AttestationException;
import dev.signet.agent.attestor.workload.Caller;
import dev.signet.agent.attestor.workload.WorkloadAttestor;
import dev.signet.core.selector.Selector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A workload attestor that records its callers and returns fixed selectors, or fails on demand. */
final class FakeAttestor implements WorkloadAttestor {
    final List<Caller> callers = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();
    volatile List<Selector> selectors = List.of(new Selector("fake", "workload:a"));
    volatile String failure;
    /** Runs during attestation, e.g. to simulate the caller's PID being reused meanwhile. */
    volatile Runnable during = () -> {};

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public List<Selector> attest(Caller caller) throws AttestationException {
        callers.add(caller);
        threads.add(Thread.currentThread().getName());
        during.run();
        if (failure != null) {
            throw new AttestationException(name(), failure);
        }
        return selectors;
    }
}
