package dev.signet.server.store;

import dev.signet.core.spiffeid.SpiffeId;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One agent's last catalog report ({@code AgentApi.ReportActive}): the identities its workloads currently receive,
 * when the report arrived and the IP address it came from ({@code ""} if unknown).
 *
 * <p>{@link #sameContent} compares what a report says, leaving out when it came: two reports with the same content
 * differ only in {@code reportedAt}, and replacing one with the other is not a catalog change.
 */
public record CatalogReport(SpiffeId agent, List<Identity> identities, Instant reportedAt, String address) {
    /** One identity the agent serves: its entry, SPIFFE ID and how many workload streams receive it. */
    public record Identity(String entryId, SpiffeId spiffeId, int workloads) {
        public Identity {
            Objects.requireNonNull(entryId, "entryId");
            Objects.requireNonNull(spiffeId, "spiffeId");
            if (entryId.isEmpty() || entryId.chars().anyMatch(ch -> ch <= ' ' || ch == 0x7f)) {
                throw new IllegalArgumentException("entry ID \"" + entryId + "\" is empty or contains spaces or control characters");
            }
            if (workloads < 0) {
                throw new IllegalArgumentException("workloads of entry " + entryId + " must not be negative, got " + workloads);
            }
        }
    }

    public CatalogReport {
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(reportedAt, "reportedAt");
        identities = List.copyOf(identities);
        address = address == null ? "" : address;
        if (address.chars().anyMatch(ch -> ch < ' ' || ch == 0x7f)) {
            throw new IllegalArgumentException("address of " + agent + " contains control characters");
        }
    }

    /** True if both reports are about the same agent and say the same (identities in order, address). */
    public boolean sameContent(CatalogReport other) {
        return other != null && agent.equals(other.agent) && identities.equals(other.identities) && address.equals(other.address);
    }
}
