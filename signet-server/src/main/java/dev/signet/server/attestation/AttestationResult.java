package dev.signet.server.attestation;

import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import java.util.SortedSet;

/** A node proven by an attestor: its agent ID and the node selectors entries can target. */
public record AttestationResult(String attestor, SpiffeId agentId, SortedSet<Selector> selectors, boolean reattestable) {}
