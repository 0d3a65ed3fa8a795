package dev.signet.core.intention;

/**
 * The destination of an intention: one service ({@code web}, which is {@code default/web}, or {@code ns/web}),
 * every service of a namespace ({@code ns/*}), or every service ({@code *}).
 *
 * @param namespace the namespace, {@code *} only together with name {@code *}
 * @param name the service name or {@code *}
 */
public record IntentionDestination(String namespace, String name) {

    public IntentionDestination {
        if (ServiceNames.WILDCARD.equals(namespace) && !ServiceNames.WILDCARD.equals(name)) {
            throw new IllegalArgumentException("a wildcard namespace needs a wildcard name (\"*\")");
        }
    }

    /** Parses {@code *}, {@code name}, {@code ns/name} or {@code ns/*}. */
    public static IntentionDestination parse(String s) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("is required (a service name, ns/name, ns/* or *)");
        }
        s = s.strip();
        if (s.equals(ServiceNames.WILDCARD) || s.equals("*/*")) {
            return new IntentionDestination(ServiceNames.WILDCARD, ServiceNames.WILDCARD);
        }
        if (s.startsWith("spiffe:")) {
            throw new IllegalArgumentException("must be a service name, ns/name, ns/* or *, not a SPIFFE ID: \"" + s + "\"");
        }
        String[] parts = s.split("/", -1);
        if (parts.length > 2) {
            throw new IllegalArgumentException("\"" + s + "\" has more than one '/' (expected name, ns/name, ns/* or *)");
        }
        String ns = parts.length == 2 ? parts[0] : ServiceNames.DEFAULT_NAMESPACE;
        String name = parts[parts.length - 1];
        String p = ServiceNames.problem("namespace", ns);
        if (p == null && !name.equals(ServiceNames.WILDCARD)) {
            p = ServiceNames.problem("service name", name);
        }
        if (p != null) {
            throw new IllegalArgumentException(p);
        }
        return new IntentionDestination(ns, name);
    }

    /** 2 for one service, 1 for a namespace wildcard, 0 for {@code *}: Consul's destination precedence bands. */
    int specificity() {
        if (name.equals(ServiceNames.WILDCARD)) {
            return namespace.equals(ServiceNames.WILDCARD) ? 0 : 1;
        }
        return 2;
    }

    /** True for one service, false for a wildcard. */
    public boolean isOneService() {
        return specificity() == 2;
    }

    /** Whether this destination covers the service {@code ns/name}. */
    public boolean matches(String ns, String serviceName) {
        if (namespace.equals(ServiceNames.WILDCARD)) {
            return true;
        }
        return namespace.equals(ns) && (name.equals(ServiceNames.WILDCARD) || name.equals(serviceName));
    }

    /** The canonical text: {@code *}, {@code web} (namespace default), {@code ns/web}, {@code ns/*}. */
    @Override
    public String toString() {
        if (namespace.equals(ServiceNames.WILDCARD)) {
            return ServiceNames.WILDCARD;
        }
        return namespace.equals(ServiceNames.DEFAULT_NAMESPACE) && !name.equals(ServiceNames.WILDCARD)
                ? name : namespace + "/" + name;
    }
}
