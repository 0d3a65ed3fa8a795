package dev.signet.server.registration;

import dev.signet.core.registration.Entry;
import dev.signet.core.registration.Parent;
import dev.signet.core.spiffeid.ReservedIds;
import dev.signet.core.spiffeid.TrustDomain;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * Server-side policy for registration entries, on top of the syntax checks of
 * {@link dev.signet.core.registration.EntryProtos}: the SPIFFE ID is in this trust domain, has a path, and is
 * outside the reserved {@code /signet} namespace; a parent agent ID is an agent ID of this trust domain;
 * there is at least one selector; hints are at most 1024 bytes (W-27); DNS names are valid; a JWT-SVID TTL,
 * when set, is between 1 second and {@link #MAX_JWT_TTL}.
 * Every message starts with the field at fault.
 */
public final class EntryValidator {
    /** Longest hint accepted (Workload API §8: SHOULD NOT support longer). */
    public static final int MAX_HINT_BYTES = 1024;
    /** Longest X.509 TTL an entry may ask for. */
    public static final Duration MAX_TTL = Duration.ofDays(365);
    /**
     * Longest JWT-SVID TTL an entry may ask for. JWT-SVIDs are bearer tokens (JWT-SVID §7.2 asks for short
     * lifetimes), and no token outlives its signing key anyway.
     */
    public static final Duration MAX_JWT_TTL = Duration.ofHours(24);

    private final TrustDomain trustDomain;

    public EntryValidator(TrustDomain trustDomain) {
        this.trustDomain = trustDomain;
    }

    /** @throws IllegalArgumentException naming the field that is wrong */
    public void validate(Entry e) {
        if (!e.spiffeId().isMemberOf(trustDomain)) {
            throw new IllegalArgumentException("spiffe_id: " + e.spiffeId() + " is not in trust domain " + trustDomain);
        }
        if (e.spiffeId().isRoot()) {
            throw new IllegalArgumentException("spiffe_id: " + e.spiffeId() + " has no path; a workload ID needs one (e.g. spiffe://" + trustDomain + "/web)");
        }
        if (ReservedIds.isReserved(e.spiffeId())) {
            throw new IllegalArgumentException("spiffe_id: " + e.spiffeId() + " is in the reserved namespace " + ReservedIds.RESERVED_PREFIX + "/, which belongs to Signet's servers and agents");
        }
        if (e.parent() instanceof Parent.AgentId a) {
            if (!a.id().isMemberOf(trustDomain)) {
                throw new IllegalArgumentException("parent_id: " + a.id() + " is not in trust domain " + trustDomain);
            }
            if (!ReservedIds.isAgent(a.id())) {
                throw new IllegalArgumentException("parent_id: " + a.id() + " is not an agent ID (expected spiffe://" + trustDomain + ReservedIds.AGENT_PREFIX + "/...)");
            }
        }
        if (e.selectors().isEmpty()) {
            throw new IllegalArgumentException("selectors: at least one workload selector is required (e.g. unix:uid:1000)");
        }
        if (e.hint().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_HINT_BYTES) {
            throw new IllegalArgumentException("hint: longer than " + MAX_HINT_BYTES + " bytes");
        }
        if (e.x509Ttl() != null && (e.x509Ttl().isNegative() || e.x509Ttl().compareTo(MAX_TTL) > 0)) {
            throw new IllegalArgumentException("x509_ttl: must be between 1s and " + MAX_TTL.toDays() + " days");
        }
        if (e.jwtTtl() != null && (e.jwtTtl().compareTo(Duration.ofSeconds(1)) < 0 || e.jwtTtl().compareTo(MAX_JWT_TTL) > 0)) {
            throw new IllegalArgumentException("jwt_ttl: must be between 1s and " + MAX_JWT_TTL.toHours() + "h, got " + e.jwtTtl().toSeconds() + "s");
        }
        Set<String> seen = new HashSet<>();
        for (String dns : e.dnsNames()) {
            if (!isValidDnsName(dns)) {
                throw new IllegalArgumentException("dns_names: \"" + dns + "\" is not a valid DNS name");
            }
            if (!seen.add(dns)) {
                throw new IllegalArgumentException("dns_names: \"" + dns + "\" is listed twice");
            }
        }
    }

    static boolean isValidDnsName(String s) {
        if (s.isEmpty() || s.length() > 253) {
            return false;
        }
        String name = s.startsWith("*.") ? s.substring(2) : s;
        for (String label : name.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(Character.isLetterOrDigit(c) && c < 128) && c != '-') {
                    return false;
                }
            }
        }
        return true;
    }
}
