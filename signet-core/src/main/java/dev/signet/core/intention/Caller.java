package dev.signet.core.intention;

import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who is connecting, as intentions see it: the client's SPIFFE ID (null when the caller was named as a service
 * only, e.g. {@code intention check web db}) and — when the ID is a Consul-format service ID
 * ({@code spiffe://<td>/ns/<ns>/dc/<dc>/svc/<name>}) in the own trust domain, or the caller was named as a
 * service — its namespace and service name.
 */
public record Caller(SpiffeId id, String namespace, String service) {
    private static final Pattern SERVICE_PATH = Pattern.compile("/ns/([^/]+)/dc/([^/]+)/svc/([^/]+)");

    public boolean isService() {
        return service != null;
    }

    /** A caller named by service ({@code web} or {@code ns/web}); no SPIFFE ID. */
    public static Caller service(String nsSlashName) {
        IntentionSource s = IntentionSource.parse(nsSlashName);
        if (!(s instanceof IntentionSource.Service svc) || svc.name().equals("*")) {
            throw new IllegalArgumentException("\"" + nsSlashName + "\" is not one service (expected name or ns/name)");
        }
        return new Caller(null, svc.namespace(), svc.name());
    }

    /**
     * The caller presenting {@code id}. Only a Consul-format service ID in {@code ownTrustDomain} has a service
     * name; any other ID matches only SPIFFE-ID, trust-domain and {@code *} sources.
     */
    public static Caller of(SpiffeId id, TrustDomain ownTrustDomain) {
        if (id.trustDomain().equals(ownTrustDomain)) {
            Matcher m = SERVICE_PATH.matcher(id.path());
            if (m.matches()) {
                return new Caller(id, m.group(1), m.group(3));
            }
        }
        return new Caller(id, null, null);
    }

    @Override
    public String toString() {
        if (id != null) {
            return id.toString();
        }
        return namespace.equals(ServiceNames.DEFAULT_NAMESPACE) ? service : namespace + "/" + service;
    }
}
