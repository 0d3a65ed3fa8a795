package dev.signet.agent.endpoints.sds;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.signet.agent.cache.WorkloadUpdate;
import dev.signet.agent.cache.X509Identity;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Pem;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Maps SDS resource names to Envoy {@link Secret}s from what one workload is entitled to (its
 * {@link WorkloadUpdate}); never from anything else, so a name the workload has no right to resolves to
 * nothing and the caller gets an error instead of someone else's certificate.
 *
 * <p>Names, as SPIRE's agent (reference-spire.md §2.6) with its default names, which are Istio's:
 * <ul>
 *   <li>{@code default}: the first identity (lowest entry ID) as a {@link TlsCertificate};
 *   <li>one of the workload's SPIFFE IDs: that identity as a {@link TlsCertificate} (the first one if
 *       several entries give the same ID);
 *   <li>{@code ROOTCA}, the trust domain's name or its ID {@code spiffe://<td>}: the own trust bundle as a
 *       {@link CertificateValidationContext} with {@code trusted_ca} (inline PEM);
 *   <li>{@code ALL}: every bundle the workload may use (only the own one for now) for Envoy's SPIFFE
 *       certificate validator ({@code envoy.tls.cert_validator.spiffe}, Envoy ≥ 1.18);
 *   <li>no names: everything the workload has, each under its canonical name: the own bundle as
 *       {@code spiffe://<td>}, then every identity under its SPIFFE ID (SPIRE does the same; no
 *       {@code default}/{@code ROOTCA} aliases).
 * </ul>
 * Each Secret is named exactly as requested: Envoy matches secrets by name. Empty names are ignored and
 * duplicates answered once, in request order.
 */
final class Secrets {
    static final String TYPE_URL = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
    static final String DEFAULT_SVID = "default";
    static final String DEFAULT_BUNDLE = "ROOTCA";
    static final String ALL_BUNDLES = "ALL";
    static final String SPIFFE_VALIDATOR = "envoy.tls.cert_validator.spiffe";

    private Secrets() {}

    /** The outcome of resolving a name set. */
    sealed interface Resolution permits Resolved, Unauthorized {}

    /** Every name resolved; the resources in request order. */
    record Resolved(List<Any> resources) implements Resolution {
        Resolved {
            resources = List.copyOf(resources);
        }
    }

    /** These names are not the workload's; nothing may be sent. */
    record Unauthorized(SortedSet<String> names) implements Resolution {}

    /** The distinct non-empty names in request order; empty means "everything the workload has". */
    static Set<String> normalize(Collection<String> requested) {
        Set<String> names = new LinkedHashSet<>();
        for (String n : requested) {
            if (!n.isEmpty()) {
                names.add(n);
            }
        }
        return names;
    }

    /**
     * Resolves {@code names} (normalised) against one workload's state.
     *
     * @throws IllegalStateException if a needed identity or bundle cannot be serialised (a leaf without
     *     exactly one URI SAN, a key without PKCS#8 encoding, an empty bundle)
     */
    static Resolution resolve(WorkloadUpdate update, Set<String> names) {
        Map<String, X509Identity> byId = new LinkedHashMap<>();
        for (X509Identity identity : update.identities()) {
            byId.putIfAbsent(identity.uriSan(), identity);
        }
        List<Any> out = new ArrayList<>();
        if (names.isEmpty()) {
            out.add(Any.pack(trustedCa(update.trustDomain().idString(), update)));
            byId.forEach((id, identity) -> out.add(Any.pack(tlsCertificate(id, identity))));
            return new Resolved(out);
        }
        SortedSet<String> unauthorized = new TreeSet<>();
        for (String name : names) {
            Secret secret = secret(name, update, byId);
            if (secret == null) {
                unauthorized.add(name);
            } else {
                out.add(Any.pack(secret));
            }
        }
        return unauthorized.isEmpty() ? new Resolved(out) : new Unauthorized(unauthorized);
    }

    private static Secret secret(String name, WorkloadUpdate update, Map<String, X509Identity> byId) {
        if (name.equals(DEFAULT_SVID)) {
            return update.identities().isEmpty() ? null : tlsCertificate(name, update.identities().get(0));
        }
        if (name.equals(DEFAULT_BUNDLE) || name.equals(update.trustDomain().name()) || name.equals(update.trustDomain().idString())) {
            return trustedCa(name, update);
        }
        if (name.equals(ALL_BUNDLES)) {
            return spiffeValidator(name, update);
        }
        X509Identity identity = byId.get(name);
        return identity == null ? null : tlsCertificate(name, identity);
    }

    private static Secret tlsCertificate(String name, X509Identity identity) {
        return Secret.newBuilder()
                .setName(name)
                .setTlsCertificate(TlsCertificate.newBuilder()
                        .setCertificateChain(inline(Pem.encodeCertificates(identity.chain())))
                        .setPrivateKey(inline(Pem.encode("PRIVATE KEY", identity.pkcs8()))))
                .build();
    }

    private static Secret trustedCa(String name, WorkloadUpdate update) {
        return Secret.newBuilder()
                .setName(name)
                .setValidationContext(CertificateValidationContext.newBuilder().setTrustedCa(inline(bundlePem(update))))
                .build();
    }

    private static Secret spiffeValidator(String name, WorkloadUpdate update) {
        SPIFFECertValidatorConfig config = SPIFFECertValidatorConfig.newBuilder()
                .addTrustDomains(SPIFFECertValidatorConfig.TrustDomain.newBuilder()
                        .setName(update.trustDomain().name())
                        .setTrustBundle(inline(bundlePem(update))))
                .build();
        return Secret.newBuilder()
                .setName(name)
                .setValidationContext(CertificateValidationContext.newBuilder()
                        .setCustomValidatorConfig(TypedExtensionConfig.newBuilder().setName(SPIFFE_VALIDATOR).setTypedConfig(Any.pack(config))))
                .build();
    }

    private static String bundlePem(WorkloadUpdate update) {
        if (update.bundle().isEmpty()) {
            throw new IllegalStateException("the bundle of trust domain " + update.trustDomain() + " is empty");
        }
        return Pem.encodeCertificates(update.bundle());
    }

    private static DataSource inline(String pem) {
        return DataSource.newBuilder().setInlineBytes(ByteString.copyFrom(pem, StandardCharsets.US_ASCII)).build();
    }
}
