package dev.signet.core.spiffeid;

import java.nio.charset.StandardCharsets;

/**
 * A SPIFFE ID: {@code spiffe://<trust-domain><path>}. The path may be empty only for a trust domain's own
 * ID; SVID leaf IDs must have a path, which callers check with {@link #isRoot()}.
 *
 * <p>Rules enforced (spiffe-rules.md §1.A): scheme {@code spiffe} (ID-1), no userinfo, port, query or
 * fragment (ID-1, ID-2), lowercase trust domain (ID-3), path segments non-empty, not {@code .} or
 * {@code ..}, limited to {@code [A-Za-z0-9._-]}, no trailing slash, no percent-encoding (ID-5), at most
 * 2048 bytes in all (ID-6). The path is case-sensitive (ID-7).
 */
public record SpiffeId(TrustDomain trustDomain, String path) implements Comparable<SpiffeId> {
    /** Maximum length of a whole SPIFFE ID in bytes (SPIFFE-ID §2.3). */
    public static final int MAX_LENGTH = 2048;
    private static final String PREFIX = "spiffe://";

    public SpiffeId {
        if (trustDomain == null) {
            throw new InvalidSpiffeIdException("SPIFFE ID needs a trust domain");
        }
        path = path == null ? "" : path;
        String problem = pathProblem(path);
        if (problem != null) {
            throw new InvalidSpiffeIdException(PREFIX + trustDomain.name() + path, problem);
        }
        int length = (PREFIX + trustDomain.name() + path).getBytes(StandardCharsets.UTF_8).length;
        if (length > MAX_LENGTH) {
            throw new InvalidSpiffeIdException(PREFIX + trustDomain.name() + path,
                    "SPIFFE ID is " + length + " bytes, longer than the " + MAX_LENGTH + "-byte maximum");
        }
    }

    /** Parses and validates a SPIFFE ID string. */
    public static SpiffeId parse(String s) {
        if (s == null || s.isEmpty()) {
            throw new InvalidSpiffeIdException(s, "SPIFFE ID is empty");
        }
        if (!s.startsWith(PREFIX)) {
            int colon = s.indexOf(':');
            if (colon > 0 && s.substring(0, colon).equalsIgnoreCase("spiffe")) {
                throw new InvalidSpiffeIdException(s, "scheme must be lowercase \"spiffe\"");
            }
            throw new InvalidSpiffeIdException(s, "scheme is missing or invalid (expected spiffe://<trust-domain>/<path>)");
        }
        if (s.getBytes(StandardCharsets.UTF_8).length > MAX_LENGTH) {
            throw new InvalidSpiffeIdException(s, "SPIFFE ID is longer than the " + MAX_LENGTH + "-byte maximum");
        }
        String rest = s.substring(PREFIX.length());
        for (int i = 0; i < rest.length(); i++) {
            char c = rest.charAt(i);
            if (c == '?') {
                throw new InvalidSpiffeIdException(s, "SPIFFE ID must not have a query");
            }
            if (c == '#') {
                throw new InvalidSpiffeIdException(s, "SPIFFE ID must not have a fragment");
            }
        }
        int slash = rest.indexOf('/');
        String td = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash);
        String tdProblem = TrustDomain.problem(td);
        if (tdProblem != null) {
            throw new InvalidSpiffeIdException(s, tdProblem);
        }
        return new SpiffeId(new TrustDomain(td), path);
    }

    /** Builds {@code spiffe://<td>/<segments...>}, validating each segment. */
    public static SpiffeId of(TrustDomain td, String... segments) {
        StringBuilder path = new StringBuilder();
        for (String seg : segments) {
            path.append('/').append(seg);
        }
        return new SpiffeId(td, path.toString());
    }

    static String pathProblem(String path) {
        if (path.isEmpty()) {
            return null;
        }
        if (path.charAt(0) != '/') {
            return "path must start with '/'";
        }
        if (path.endsWith("/")) {
            return "path must not have a trailing '/'";
        }
        int start = 1;
        while (start <= path.length()) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            String seg = path.substring(start, end);
            if (seg.isEmpty()) {
                return "path must not have empty segments ('//')";
            }
            if (seg.equals(".") || seg.equals("..")) {
                return "path must not have '.' or '..' segments";
            }
            String segProblem = segmentProblem(seg);
            if (segProblem != null) {
                return segProblem;
            }
            start = end + 1;
        }
        return null;
    }

    /** Why {@code seg} is not a valid path segment, or null if it is. */
    public static String segmentProblem(String seg) {
        if (seg.isEmpty()) {
            return "path segment is empty";
        }
        for (int i = 0; i < seg.length(); i++) {
            char c = seg.charAt(i);
            if (c == '%') {
                return "path must not be percent-encoded";
            }
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) {
                return "path segment characters are limited to letters, numbers, dots, dashes, and underscores";
            }
        }
        return null;
    }

    /** True for a trust domain's own ID, which has no path and never names a workload. */
    public boolean isRoot() {
        return path.isEmpty();
    }

    public boolean isMemberOf(TrustDomain td) {
        return trustDomain.equals(td);
    }

    /** True if this ID's path is {@code prefix} or lies beneath it ({@code /a/b} is under {@code /a}). */
    public boolean pathIsUnder(String prefix) {
        return path.equals(prefix) || path.startsWith(prefix + "/");
    }

    @Override
    public int compareTo(SpiffeId o) {
        return toString().compareTo(o.toString());
    }

    @Override
    public String toString() {
        return PREFIX + trustDomain.name() + path;
    }
}
