package dev.signet.agent.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.signet.core.bundle.JwtAuthority;
import dev.signet.core.bundle.TrustBundle;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.SigningProvider;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Validates JWT-SVIDs (SPIFFE JWT-SVID §§1–4, spiffe-rules.md J-1–J-10, J-13, W-24), in this order:
 * <ol>
 *   <li>JWS compact serialization only: three base64url parts (J-1);</li>
 *   <li>the header has only {@code alg}, {@code kid} and {@code typ} (J-2); {@code alg} is one of RS/ES/PS
 *       256/384/512, so {@code none}, HMAC and EdDSA are rejected (J-3); {@code kid} is present (J-4, required
 *       by every reference validator); {@code typ}, if present, is {@code JWT} or {@code JOSE} (J-5);</li>
 *   <li>{@code sub} is a valid SPIFFE ID (J-6) and {@code exp} is present (J-9);</li>
 *   <li>the key is looked up by {@code kid} among the JWT authorities of the bundle of {@code sub}'s trust
 *       domain only (W-24) — X.509 authorities never validate a JWT (J-13);</li>
 *   <li>the signature, with a verifier that fits both {@code alg} and the key type and curve (J-10);</li>
 *   <li>{@code exp} has not passed (no leeway, as java-spiffe); {@code nbf} and {@code iat} are not more than
 *       a minute in the future (as go-spiffe);</li>
 *   <li>{@code aud} is present and contains the expected audience (J-7).</li>
 * </ol>
 * Every failure is a {@link JwtSvidValidationException} whose message is the reason. Thread-safe.
 *
 * <p><b>Verifiers.</b> EC signatures are checked with the agent's {@link SigningProvider} (Conscrypt's BoringSSL
 * where {@code crypto_provider} chose it: a P-256 verify in tens of microseconds instead of most of a millisecond
 * in BouncyCastle under the agent's C1-only JIT), the key translated into the provider's own key object once per
 * verifier; a key the provider cannot take, and RSA keys, verify with {@link Crypto#PROVIDER} (BouncyCastle).
 * Without an explicit provider Nimbus would use the JDK default, SunEC, slower still. One verifier per (trust
 * domain, {@code kid}, key) is kept and reused (Nimbus verifiers hold no per-call state). The cache for a trust
 * domain is tied to the bundle it was built from: a token checked against a different bundle of that trust domain
 * drops the old verifiers. It is bounded: per trust domain by the bundle's JWT authorities (only keys found in the
 * bundle are cached), and at most {@link #MAX_CACHED_TRUST_DOMAINS} trust domains (beyond that it is cleared).
 *
 * <p><b>Verified tokens.</b> Each cached verifier also remembers up to {@link #MAX_VERIFIED_TOKENS_PER_KEY}
 * tokens whose signature it verified: a workload that validates the same token on every request pays one
 * signature check, not one per call. Only the signature result is remembered; the structural rules are
 * re-checked by parsing, and expiry, {@code nbf}, {@code iat} and the audience on every call with the clock.
 * A changed bundle or key drops the remembered tokens with the verifier.
 */
public final class JwtSvidValidator {
    /** The signature algorithms a JWT-SVID may use (JWT-SVID §2.1). */
    public static final Set<String> ALGORITHMS = Set.of("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512");
    /** The only JOSE header parameters a JWT-SVID may carry (JWT-SVID §2). */
    public static final Set<String> HEADER_PARAMETERS = Set.of("alg", "kid", "typ");
    /** How far in the future {@code nbf} and {@code iat} may be (clock skew), as go-spiffe allows. */
    static final Duration FUTURE_LEEWAY = Duration.ofMinutes(1);
    private static final Pattern COMPACT = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");

    /** At most this many trust domains keep cached verifiers; one more clears the cache. */
    static final int MAX_CACHED_TRUST_DOMAINS = 64;

    private final Clock clock;
    private final SigningProvider crypto;
    /** Verifiers by trust domain, each set valid for one bundle of that trust domain. */
    private final ConcurrentHashMap<TrustDomain, BundleVerifiers> verifiers = new ConcurrentHashMap<>();

    /** A validator verifying with BouncyCastle. */
    public JwtSvidValidator(Clock clock) {
        this(clock, SigningProvider.bouncyCastle());
    }

    /** @param crypto verifies EC signatures (the agent's {@code crypto_provider} choice) */
    public JwtSvidValidator(Clock clock, SigningProvider crypto) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.crypto = Objects.requireNonNull(crypto, "crypto");
    }

    /** The verifiers built for the keys of one bundle, by {@code kid}. */
    private record BundleVerifiers(TrustBundle bundle, ConcurrentHashMap<String, KeyVerifier> byKeyId) {}

    /** At most this many tokens per key are remembered as verified; one more clears that key's set. */
    static final int MAX_VERIFIED_TOKENS_PER_KEY = 256;

    /**
     * A verifier, the key it was built for, and the tokens whose signature it has already verified. A
     * signature check is a pure function of the token's bytes and the key, so a token verified once with
     * this key needs no second ECDSA/RSA verify; expiry, {@code nbf}, {@code iat} and audience are still
     * checked on every call (with the injected clock), and the set goes away with the key or the bundle.
     */
    private record KeyVerifier(PublicKey key, JWSVerifier verifier, Set<String> verified) {
        KeyVerifier(PublicKey key, JWSVerifier verifier) {
            this(key, verifier, ConcurrentHashMap.newKeySet());
        }

        void remember(String token) {
            if (verified.size() >= MAX_VERIFIED_TOKENS_PER_KEY) {
                verified.clear(); // bounded: a burst of distinct tokens only costs their verification again
            }
            verified.add(token);
        }
    }

    /**
     * Validates {@code token} for {@code audience}.
     *
     * @param bundles the bundles the caller trusts, by trust domain; a trust domain without a bundle, or whose
     *     bundle has no JWT authorities, cannot issue valid tokens
     * @throws JwtSvidValidationException saying which rule the token breaks
     */
    public ValidatedJwtSvid validate(String token, String audience, Map<TrustDomain, TrustBundle> bundles)
            throws JwtSvidValidationException {
        Parsed p = parse(token);
        TrustDomain td = p.subject().trustDomain();
        TrustBundle bundle = bundles.get(td);
        if (bundle == null || bundle.jwtAuthorities().isEmpty()) {
            throw new JwtSvidValidationException("no keys found for trust domain \"" + td.name() + "\"");
        }
        JwtAuthority authority = bundle.jwtAuthority(p.keyId()).orElseThrow(() -> new JwtSvidValidationException(
                "no JWT authority " + shown(p.keyId()) + " found for trust domain \"" + td.name() + "\""));
        verifySignature(token, p, td, bundle, authority);

        Instant now = clock.instant();
        if (!now.isBefore(p.expiresAt())) {
            throw new JwtSvidValidationException("token has expired");
        }
        if (p.claims().getNotBeforeTime() != null && p.claims().getNotBeforeTime().toInstant().isAfter(now.plus(FUTURE_LEEWAY))) {
            throw new JwtSvidValidationException("token is not valid yet (nbf)");
        }
        if (p.claims().getIssueTime() != null && p.claims().getIssueTime().toInstant().isAfter(now.plus(FUTURE_LEEWAY))) {
            throw new JwtSvidValidationException("token is issued in the future (iat)");
        }
        List<String> aud = p.audience();
        if (aud.isEmpty()) {
            throw new JwtSvidValidationException("token has no audience (aud)");
        }
        if (!aud.contains(audience)) {
            throw new JwtSvidValidationException("expected audience in " + quoted(List.of(audience)) + " (audience=" + quoted(aud) + ")");
        }
        Map<String, Object> claims = new LinkedHashMap<>(p.rawClaims());
        claims.put("aud", aud); // always a list (W-25), also when the token has a single string
        return new ValidatedJwtSvid(p.subject(), claims);
    }

    /** A token split and decoded, with the structural rules checked but not the signature, time or audience. */
    record Parsed(Map<String, Object> header, String algorithm, String keyId, Map<String, Object> rawClaims, JWTClaimsSet claims,
            SpiffeId subject, Instant expiresAt, List<String> audience) {}

    /** Checks J-1 to J-6 and the presence of {@code exp}: everything that needs no key, clock or audience. */
    static Parsed parse(String token) throws JwtSvidValidationException {
        if (token == null || !COMPACT.matcher(token).matches()) {
            throw new JwtSvidValidationException("token is not a JWS in compact serialization");
        }
        String[] parts = token.split("\\.");
        Map<String, Object> header = decodeObject(parts[0], "header");
        for (String name : header.keySet()) {
            if (!HEADER_PARAMETERS.contains(name)) {
                throw new JwtSvidValidationException("token header has the parameter " + shown(name) + "; only alg, kid and typ are allowed");
            }
        }
        Object alg = header.get("alg");
        if (!(alg instanceof String algorithm)) {
            throw new JwtSvidValidationException("token header has no signature algorithm (alg)");
        }
        if (!ALGORITHMS.contains(algorithm)) {
            throw new JwtSvidValidationException("unsupported token signature algorithm " + shown(algorithm));
        }
        Object typ = header.get("typ");
        if (typ != null && !"JWT".equals(typ) && !"JOSE".equals(typ)) {
            throw new JwtSvidValidationException("token header has typ " + shown(String.valueOf(typ)) + "; expected JWT or JOSE");
        }
        Object kid = header.get("kid");
        if (!(kid instanceof String keyId) || keyId.isEmpty()) {
            throw new JwtSvidValidationException("token header is missing the key ID (kid)");
        }
        Map<String, Object> raw = decodeObject(parts[1], "payload");
        JWTClaimsSet claims;
        try {
            claims = JWTClaimsSet.parse(raw);
        } catch (ParseException e) {
            throw new JwtSvidValidationException("token claims are malformed: " + noControls(e.getMessage()), e);
        }
        String sub = claims.getSubject();
        if (sub == null || sub.isEmpty()) {
            throw new JwtSvidValidationException("token has no subject (sub)");
        }
        SpiffeId subject;
        try {
            subject = SpiffeId.parse(sub);
        } catch (IllegalArgumentException e) {
            throw new JwtSvidValidationException("token subject is not a valid SPIFFE ID: " + noControls(e.getMessage()), e);
        }
        if (claims.getExpirationTime() == null) {
            throw new JwtSvidValidationException("token has no expiry (exp)");
        }
        List<String> audience = claims.getAudience() == null ? List.of() : List.copyOf(claims.getAudience());
        return new Parsed(header, algorithm, keyId, raw, claims, subject, claims.getExpirationTime().toInstant(), audience);
    }

    private void verifySignature(String token, Parsed p, TrustDomain td, TrustBundle bundle, JwtAuthority authority)
            throws JwtSvidValidationException {
        KeyVerifier keyVerifier = keyVerifier(td, bundle, p.algorithm(), authority, p.keyId());
        if (keyVerifier.verified().contains(token)) {
            return; // this exact token was verified with this key of this bundle before
        }
        JWSObject jws;
        try {
            jws = JWSObject.parse(token);
        } catch (ParseException e) {
            throw new JwtSvidValidationException("token is malformed: " + e.getMessage(), e);
        }
        try {
            if (!jws.verify(keyVerifier.verifier())) {
                throw new JwtSvidValidationException("token signature is invalid");
            }
            keyVerifier.remember(token);
        } catch (JOSEException e) {
            // e.g. ES384 with a P-256 key: the verifier refuses the algorithm
            throw new JwtSvidValidationException("token signature cannot be verified with key " + shown(p.keyId()) + ": " + e.getMessage(), e);
        }
    }

    /**
     * The verifier for {@code authority} of {@code bundle}, from the cache or built and cached. The algorithm
     * must fit the key type (checked on every call, before the cache); whether it fits the curve is checked
     * by the verifier itself (J-10).
     */
    JWSVerifier verifier(TrustDomain td, TrustBundle bundle, String alg, JwtAuthority authority, String kid)
            throws JwtSvidValidationException {
        return keyVerifier(td, bundle, alg, authority, kid).verifier();
    }

    /** Tokens remembered as verified with {@code kid} of {@code td}'s current bundle (for tests). */
    int verifiedTokens(TrustDomain td, String kid) {
        BundleVerifiers forBundle = verifiers.get(td);
        KeyVerifier v = forBundle == null ? null : forBundle.byKeyId().get(kid);
        return v == null ? 0 : v.verified().size();
    }

    private KeyVerifier keyVerifier(TrustDomain td, TrustBundle bundle, String alg, JwtAuthority authority, String kid)
            throws JwtSvidValidationException {
        PublicKey key = authority.publicKey();
        boolean ec = alg.startsWith("ES");
        if (ec ? !(key instanceof ECPublicKey) : !(key instanceof RSAPublicKey)) {
            throw new JwtSvidValidationException("token algorithm " + alg + " does not fit key " + shown(kid) + " of type " + key.getAlgorithm());
        }
        BundleVerifiers forBundle = verifiers.get(td);
        if (forBundle == null || (forBundle.bundle() != bundle && !forBundle.bundle().equals(bundle))) {
            if (forBundle == null && verifiers.size() >= MAX_CACHED_TRUST_DOMAINS) {
                verifiers.clear();
            }
            forBundle = new BundleVerifiers(bundle, new ConcurrentHashMap<>());
            verifiers.put(td, forBundle); // replaces (drops) the verifiers of an earlier bundle
        }
        KeyVerifier cached = forBundle.byKeyId().get(kid);
        if (cached != null && cached.key().equals(key)) {
            return cached;
        }
        KeyVerifier built = new KeyVerifier(key, newVerifier(key, kid));
        forBundle.byKeyId().put(kid, built);
        return built;
    }

    /** Trust domains with cached verifiers (for tests). */
    int cachedTrustDomains() {
        return verifiers.size();
    }

    /** A Nimbus verifier for an EC key (on the signing provider) or an RSA key (on {@link Crypto#PROVIDER}). */
    private JWSVerifier newVerifier(PublicKey key, String kid) throws JwtSvidValidationException {
        try {
            if (key instanceof ECPublicKey ec) {
                ECPublicKey own = ownKey(ec);
                ECDSAVerifier v = new ECDSAVerifier(own);
                v.getJCAContext().setProvider(own == ec && !crypto.owns(ec) ? Crypto.PROVIDER : crypto.provider());
                return v;
            }
            RSASSAVerifier v = new RSASSAVerifier((RSAPublicKey) key);
            v.getJCAContext().setProvider(Crypto.PROVIDER);
            return v;
        } catch (JOSEException e) {
            // e.g. an EC key on a curve JOSE has no algorithm for
            throw new JwtSvidValidationException("token signature cannot be verified with key " + shown(kid) + ": " + e.getMessage(), e);
        }
    }

    /** {@code key} as the signing provider's own key object, or itself if the provider cannot take it. */
    private ECPublicKey ownKey(ECPublicKey key) {
        if (crypto.owns(key)) {
            return key;
        }
        try {
            return (ECPublicKey) crypto.publicKey("EC", key.getEncoded());
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            return key; // e.g. a curve the provider lacks: BouncyCastle verifies it
        }
    }

    private static Map<String, Object> decodeObject(String part, String what) throws JwtSvidValidationException {
        try {
            return JSONObjectUtils.parse(new Base64URL(part).decodeToString());
        } catch (ParseException | RuntimeException e) {
            throw new JwtSvidValidationException("token " + what + " is not a JSON object", e);
        }
    }

    private static String quoted(List<String> values) {
        List<String> q = new ArrayList<>();
        values.stream().limit(10).forEach(v -> q.add(shown(v)));
        return q.stream().collect(Collectors.joining(" ", "[", values.size() > 10 ? " ...]" : "]"));
    }

    /**
     * A value from the token, quoted for an error message: the caller's bytes end up in the agent's log and
     * the response, so control characters are replaced and long values cut.
     */
    private static String noControls(String s) {
        return s == null ? "" : s.replaceAll("\\p{Cntrl}", "?");
    }

    static String shown(String v) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < v.length() && i < 100; i++) {
            char c = v.charAt(i);
            sb.append(Character.isISOControl(c) ? '?' : c);
        }
        return sb.append(v.length() > 100 ? "...\"" : "\"").toString();
    }
}
