package dev.signet.core.bundle;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Certificates;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SPIFFE bundle format (SPIFFE Trust Domain and Bundle §4; spiffe-rules.md §1.D): a JWK Set whose X.509
 * authorities are keys with {@code use: "x509-svid"}, no {@code kid} and exactly one certificate in
 * {@code x5c}, and whose JWT authorities are keys with {@code use: "jwt-svid"} and a {@code kid}
 * (J-12), plus integer {@code spiffe_sequence} (B-2) and {@code spiffe_refresh_hint} in seconds (B-3). Key
 * members are limited to those the specs define (B-8); EC coordinates are fixed-length (go-spiffe rejects
 * unpadded ones).
 */
public final class SpiffeBundleJson {
    public static final KeyUse X509_SVID = new KeyUse("x509-svid");
    public static final KeyUse JWT_SVID = new KeyUse("jwt-svid");

    private SpiffeBundleJson() {}

    /** The full SPIFFE bundle document. */
    public static String toJson(TrustBundle b) {
        List<JWK> keys = new ArrayList<>();
        for (X509Certificate c : b.x509Authorities()) {
            keys.add(jwk(c.getPublicKey(), X509_SVID, null, c));
        }
        for (JwtAuthority a : b.jwtAuthorities()) {
            keys.add(jwk(a.publicKey(), JWT_SVID, a.keyId(), null));
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("keys", new JWKSet(keys).toJSONObject(true).get("keys"));
        json.put("spiffe_sequence", b.sequence());
        json.put("spiffe_refresh_hint", b.refreshHint().toSeconds());
        return com.nimbusds.jose.util.JSONObjectUtils.toJSONString(json);
    }

    /** A plain JWKS of the JWT authorities only, each with {@code use: "jwt-svid"} and its {@code kid}, as FetchJWTBundles serves it (W-22). */
    public static String jwtJwks(TrustBundle b) {
        List<JWK> keys = new ArrayList<>();
        for (JwtAuthority a : b.jwtAuthorities()) {
            keys.add(jwk(a.publicKey(), JWT_SVID, a.keyId(), null));
        }
        return new JWKSet(keys).toString(true);
    }

    /**
     * The JWKS an OpenID Connect relying party (cloud IAM, Vault) fetches from the discovery document's
     * {@code jwks_uri}: the JWT authorities only, each with {@code kid}, {@code use: "sig"} (RFC 7517 §4.2;
     * the SPIFFE-specific {@code jwt-svid} is unknown to OIDC clients, and SPIRE's OIDC discovery provider
     * emits {@code sig} too) and, when {@code algorithm} knows it, {@code alg}.
     *
     * @param algorithm the JWS algorithm a key signs with (e.g. {@code ES256}), or null to leave {@code alg} out
     */
    public static String oidcJwks(TrustBundle b, java.util.function.Function<JwtAuthority, String> algorithm) {
        List<JWK> keys = new ArrayList<>();
        for (JwtAuthority a : b.jwtAuthorities()) {
            String alg = algorithm == null ? null : algorithm.apply(a);
            com.nimbusds.jose.Algorithm jwsAlg = alg == null ? null : com.nimbusds.jose.JWSAlgorithm.parse(alg);
            PublicKey key = a.publicKey();
            if (key instanceof ECPublicKey ec) {
                keys.add(new ECKey.Builder(Curve.forECParameterSpec(ec.getParams()), ec).keyUse(KeyUse.SIGNATURE)
                        .keyID(a.keyId()).algorithm(jwsAlg).build());
            } else if (key instanceof RSAPublicKey rsa) {
                keys.add(new RSAKey.Builder(rsa).keyUse(KeyUse.SIGNATURE).keyID(a.keyId()).algorithm(jwsAlg).build());
            } else {
                throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm());
            }
        }
        return new JWKSet(keys).toString(true);
    }

    /**
     * Parses a SPIFFE bundle. Keys with an unknown {@code use} or missing {@code x5c} are ignored (X-17, B-5,
     * B-7); of an {@code x5c} only the first certificate is used; extra top-level members are allowed (B-4).
     *
     * @throws IllegalArgumentException if the document is not a JWK Set or {@code keys} is missing (B-1)
     */
    public static TrustBundle parse(TrustDomain td, String json) {
        Map<String, Object> obj;
        try {
            obj = com.nimbusds.jose.util.JSONObjectUtils.parse(json);
        } catch (ParseException e) {
            throw new IllegalArgumentException("bundle is not valid JSON: " + e.getMessage(), e);
        }
        if (!(obj.get("keys") instanceof List<?> rawKeys)) {
            throw new IllegalArgumentException("bundle has no \"keys\" array");
        }
        List<X509Certificate> x509 = new ArrayList<>();
        List<JwtAuthority> jwt = new ArrayList<>();
        for (Object raw : rawKeys) {
            if (!(raw instanceof Map<?, ?>)) {
                continue;
            }
            JWK k;
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) raw;
                k = JWK.parse(m);
            } catch (ParseException | RuntimeException e) {
                continue; // unknown kty or malformed element: ignored (B-6)
            }
            if (X509_SVID.equals(k.getKeyUse())) {
                List<Base64> chain = k.getX509CertChain();
                if (chain == null || chain.isEmpty()) {
                    continue;
                }
                try {
                    x509.add(Certificates.parse(chain.get(0).decode()));
                } catch (IllegalArgumentException e) {
                    continue;
                }
            } else if (JWT_SVID.equals(k.getKeyUse()) && k.getKeyID() != null) {
                try {
                    PublicKey pk = k instanceof ECKey ec ? ec.toECPublicKey() : k instanceof RSAKey rsa ? rsa.toRSAPublicKey() : null;
                    if (pk != null) {
                        jwt.add(new JwtAuthority(k.getKeyID(), pk, Instant.MAX));
                    }
                } catch (JOSEException e) {
                    continue;
                }
            }
        }
        long seq = obj.get("spiffe_sequence") instanceof Number n ? n.longValue() : 0;
        // A hint that is not a positive number of seconds is treated as absent (the default applies).
        Duration hint = obj.get("spiffe_refresh_hint") instanceof Number n && n.longValue() > 0 ? Duration.ofSeconds(n.longValue()) : null;
        return new TrustBundle(td, x509, jwt, seq, hint);
    }

    static JWK jwk(PublicKey key, KeyUse use, String kid, X509Certificate cert) {
        List<Base64> x5c = cert == null ? null : List.of(Base64.encode(Certificates.der(cert)));
        if (key instanceof ECPublicKey ec) {
            return new ECKey.Builder(Curve.forECParameterSpec(ec.getParams()), ec).keyUse(use).keyID(kid).x509CertChain(x5c).build();
        }
        if (key instanceof RSAPublicKey rsa) {
            return new RSAKey.Builder(rsa).keyUse(use).keyID(kid).x509CertChain(x5c).build();
        }
        throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm());
    }
}
