package dev.signet.core.intention;

import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;

/**
 * The source of an intention: who is connecting.
 * <ul>
 *   <li>{@link Service} — a service of this trust domain ({@code web}, {@code ns/web}), a namespace
 *       ({@code ns/*}) or everyone ({@code *});</li>
 *   <li>{@link External} — one SPIFFE ID ({@code spiffe://other.org/x}), typically of another trust domain;</li>
 *   <li>{@link Domain} — every ID of a trust domain ({@code spiffe://other.org}).</li>
 * </ul>
 */
public sealed interface IntentionSource {

    /** 2 exact, 1 a group (namespace or trust domain), 0 everyone: Consul's source precedence within a band. */
    int specificity();

    /** Whether a caller with this identity is covered. */
    boolean matches(Caller caller);

    /** Parses the text forms above. */
    static IntentionSource parse(String s) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("is required (a service name, ns/name, ns/*, *, a SPIFFE ID or spiffe://<trust-domain>)");
        }
        s = s.strip();
        if (s.startsWith("spiffe:") || s.contains("://")) {
            SpiffeId id;
            try {
                id = SpiffeId.parse(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("\"" + s + "\" is not a valid SPIFFE ID: " + e.getMessage(), e);
            }
            return id.path().isEmpty() ? new Domain(id.trustDomain()) : new External(id);
        }
        if (s.equals("*") || s.equals("*/*")) {
            return new Service("*", "*");
        }
        String[] parts = s.split("/", -1);
        if (parts.length > 2) {
            throw new IllegalArgumentException("\"" + s + "\" has more than one '/' (expected name, ns/name, ns/* or *)");
        }
        String ns = parts.length == 2 ? parts[0] : ServiceNames.DEFAULT_NAMESPACE;
        String name = parts[parts.length - 1];
        String p = ServiceNames.problem("namespace", ns);
        if (p == null && !name.equals("*")) {
            p = ServiceNames.problem("service name", name);
        }
        if (p != null) {
            throw new IllegalArgumentException(p);
        }
        return new Service(ns, name);
    }

    /** A service of this trust domain, a namespace's services ({@code name = *}), or everyone ({@code *}/{@code *}). */
    record Service(String namespace, String name) implements IntentionSource {
        @Override
        public int specificity() {
            return name.equals("*") ? (namespace.equals("*") ? 0 : 1) : 2;
        }

        @Override
        public boolean matches(Caller caller) {
            if (namespace.equals("*")) {
                return true; // everyone, external IDs included
            }
            return caller.isService() && caller.namespace().equals(namespace)
                    && (name.equals("*") || name.equals(caller.service()));
        }

        @Override
        public String toString() {
            if (namespace.equals("*")) {
                return "*";
            }
            return namespace.equals(ServiceNames.DEFAULT_NAMESPACE) && !name.equals("*") ? name : namespace + "/" + name;
        }
    }

    /** Exactly this SPIFFE ID. Ranks with an exact service. */
    record External(SpiffeId id) implements IntentionSource {
        @Override
        public int specificity() {
            return 2;
        }

        @Override
        public boolean matches(Caller caller) {
            return caller.id() != null && caller.id().equals(id);
        }

        @Override
        public String toString() {
            return id.toString();
        }
    }

    /** Every SPIFFE ID in a trust domain. Ranks with a namespace wildcard. */
    record Domain(TrustDomain trustDomain) implements IntentionSource {
        @Override
        public int specificity() {
            return 1;
        }

        @Override
        public boolean matches(Caller caller) {
            return caller.id() != null && caller.id().trustDomain().equals(trustDomain);
        }

        @Override
        public String toString() {
            return trustDomain.idString();
        }
    }
}
