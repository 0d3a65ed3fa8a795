package dev.signet.server.store;

import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import java.time.Instant;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * An attested node. {@code certSerial} is the serial of the agent SVID currently accepted; during
 * rotation {@code newCertSerial} is the one just issued, promoted to current when the agent first uses
 * it. A banned agent keeps its record (so it cannot re-attest) with both serials cleared.
 */
public record AgentRecord(
        SpiffeId id,
        String attestationType,
        SortedSet<Selector> selectors,
        String certSerial,
        Instant certNotAfter,
        String newCertSerial,
        Instant newCertNotAfter,
        boolean banned,
        Instant createdAt,
        Instant lastSeen) {

    public AgentRecord {
        selectors = Collections.unmodifiableSortedSet(new TreeSet<>(selectors == null ? java.util.List.of() : selectors));
        certSerial = certSerial == null ? "" : certSerial;
        newCertSerial = newCertSerial == null ? "" : newCertSerial;
    }

    public AgentRecord withCurrentCert(String serial, Instant notAfter) {
        return new AgentRecord(id, attestationType, selectors, serial, notAfter, "", null, banned, createdAt, lastSeen);
    }

    public AgentRecord withNewCert(String serial, Instant notAfter) {
        return new AgentRecord(id, attestationType, selectors, certSerial, certNotAfter, serial, notAfter, banned, createdAt, lastSeen);
    }

    public AgentRecord asBanned() {
        return new AgentRecord(id, attestationType, selectors, "", certNotAfter, "", null, true, createdAt, lastSeen);
    }

    public AgentRecord seenAt(Instant t) {
        return new AgentRecord(id, attestationType, selectors, certSerial, certNotAfter, newCertSerial, newCertNotAfter, banned, createdAt, t);
    }
}
