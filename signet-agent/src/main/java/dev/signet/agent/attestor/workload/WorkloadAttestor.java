package dev.signet.agent.attestor.workload;

import dev.signet.core.selector.Selector;
import java.util.List;

/**
 * A workload attestor: turns the kernel's facts about a caller into selectors, e.g. {@code unix:uid:1000}.
 * Each attestor prefixes its selectors with its own {@link #name()} as the type. An attestor that has
 * nothing to say about a process (a Docker attestor for a process outside any container) returns an
 * empty list; it throws only when it could not find out.
 */
public interface WorkloadAttestor {
    /** The selector type this attestor produces, e.g. {@code unix}. */
    String name();

    List<Selector> attest(Caller caller) throws AttestationException;
}
