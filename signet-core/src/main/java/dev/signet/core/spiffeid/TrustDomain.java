package dev.signet.core.spiffeid;

/**
 * A SPIFFE trust domain name such as {@code example.org}: lowercase {@code [a-z0-9._-]}, 1 to 255 bytes
 * (ID-3, ID-6). Whether it looks like an IP or a DNS name makes no difference (ID-4).
 */
public record TrustDomain(String name) {
    /** Maximum trust domain length in bytes (SPIFFE-ID §2.3). */
    public static final int MAX_LENGTH = 255;

    public TrustDomain {
        String problem = problem(name);
        if (problem != null) {
            throw new InvalidSpiffeIdException("invalid trust domain " + InvalidSpiffeIdException.quote(name) + ": " + problem);
        }
    }

    /** Parses a bare name ({@code example.org}) or a SPIFFE ID ({@code spiffe://example.org[/path]}). */
    public static TrustDomain parse(String s) {
        if (s != null && s.contains("://")) {
            return SpiffeId.parse(s).trustDomain();
        }
        return new TrustDomain(s);
    }

    static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "trust domain is missing";
        }
        if (name.length() > MAX_LENGTH) {
            return "trust domain is longer than " + MAX_LENGTH + " bytes";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == ':') {
                return "trust domain must not contain a port (':')";
            }
            if (c == '@') {
                return "trust domain must not contain userinfo ('@')";
            }
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) {
                return "trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores";
            }
        }
        return null;
    }

    /** The trust domain's own SPIFFE ID, {@code spiffe://<name>}, used by its CA and as bundle-map key. */
    public String idString() {
        return "spiffe://" + name;
    }

    @Override
    public String toString() {
        return name;
    }
}
