package dev.signet.agent.cache;

import dev.signet.core.registration.Entry;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * One identity the agent holds for workloads: the entry it was minted for, the X509-SVID chain (leaf
 * first; the root is not included) and the private key, which was generated on this node and never
 * leaves it except to the attested workload over the local socket.
 */
public record X509Identity(Entry entry, List<X509Certificate> chain, PrivateKey key) {
    public X509Identity {
        chain = List.copyOf(chain);
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    @Override
    public String toString() {
        return "X509Identity[" + entry.spiffeId() + " entry " + entry.id() + ", expires " + leaf().getNotAfter() + "]";
    }
}
