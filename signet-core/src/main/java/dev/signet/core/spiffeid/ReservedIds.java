package dev.signet.core.spiffeid;

/**
 * The reserved namespace: SPIFFE IDs under {@code spiffe://<td>/signet/} belong to Signet's own
 * components (servers and agents) and no registration entry may claim one.
 */
public final class ReservedIds {
    /** Path prefix reserved for Signet components. */
    public static final String RESERVED_PREFIX = "/signet";
    /** Path prefix of agent IDs: {@code /signet/agent/<attestor>/...}. */
    public static final String AGENT_PREFIX = "/signet/agent";

    private ReservedIds() {}

    /** The ID every server of the trust domain presents on its agent API. */
    public static SpiffeId server(TrustDomain td) {
        return new SpiffeId(td, "/signet/server");
    }

    /** An agent's ID: {@code spiffe://<td>/signet/agent/<attestor>/<parts...>}. */
    public static SpiffeId agent(TrustDomain td, String attestor, String... parts) {
        StringBuilder p = new StringBuilder(AGENT_PREFIX).append('/').append(attestor);
        for (String part : parts) {
            p.append('/').append(part);
        }
        return new SpiffeId(td, p.toString());
    }

    public static boolean isReserved(SpiffeId id) {
        return id.pathIsUnder(RESERVED_PREFIX);
    }

    public static boolean isAgent(SpiffeId id) {
        return id.path().startsWith(AGENT_PREFIX + "/");
    }
}
