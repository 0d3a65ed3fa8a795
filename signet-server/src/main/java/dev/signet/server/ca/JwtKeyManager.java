package dev.signet.server.ca;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.signet.core.bundle.JwtAuthority;
import dev.signet.core.files.AtomicFiles;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Pem;
import dev.signet.core.x509.SigningProvider;
import dev.signet.server.store.BundleStore;
import dev.signet.server.store.StoredBundle;
import dev.signet.server.store.StoredJwtAuthority;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's JWT-SVID signing keys and JWT-SVID minting. Keys live in {@code <data_dir>/jwt/} as
 * {@code current.json} and {@code next.json} (one file per key holding its kid, algorithm, validity and
 * PKCS#8 private key; mode 0600, written atomically), and their public halves in the trust bundle.
 *
 * <p>Rotation mirrors {@link CertificateAuthority}: each key lives {@code keyTtl} (the server's
 * {@code ca_ttl}). When the active key has half its lifetime left a successor is generated and published
 * in the bundle (prepared); when a sixth is left the successor becomes the signing key (activated). So a
 * key is in every agent's and validator's bundle long before a token carries its {@code kid} (F-2). No
 * token outlives the key that signed it (its {@code exp} is capped at the key's {@code notAfter}); a
 * retired key nevertheless stays published for {@code keptAfterExpiry} more, a margin for validators'
 * clock skew, and is then pruned (F-3).
 *
 * <p>Changing the configured algorithm takes effect without breaking F-2: a successor of the new algorithm
 * is prepared at once (a prepared successor of the old algorithm, which never signed, is withdrawn) and
 * activated on the usual schedule.
 */
public final class JwtKeyManager {
    private static final Logger log = LoggerFactory.getLogger(JwtKeyManager.class);
    /** Random bytes in a key ID: 24 bytes are 32 URL-safe base64 characters. */
    private static final int KEY_ID_BYTES = 24;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final TrustDomain trustDomain;
    private final Path dir;
    private final JwtAlgorithm algorithm;
    private final Duration keyTtl;
    private final Duration keptAfterExpiry;
    private final String issuer;
    private final BundleStore bundles;
    private final Clock clock;
    private final List<Runnable> bundleListeners = new CopyOnWriteArrayList<>();
    private volatile Active current;
    private volatile JwtSigningKey next;

    private final SigningProvider crypto;

    /**
     * The signing key with its (thread-safe) signer and its JOSE header, which is the same for every token it signs
     * and so is serialised once, swapped as one.
     */
    private record Active(JwtSigningKey key, JWSSigner signer, JWSHeader header, String encodedHeader) {}

    /**
     * @param dir where the keys are kept ({@code <data_dir>/jwt})
     * @param algorithm the algorithm of keys generated from now on
     * @param keyTtl lifetime of each key (the server's {@code ca_ttl})
     * @param keptAfterExpiry how long a key stays in the bundle after its {@code notAfter}
     * @param issuer the {@code iss} claim of every JWT-SVID, or null for none
     */
    public JwtKeyManager(TrustDomain trustDomain, Path dir, JwtAlgorithm algorithm, Duration keyTtl, Duration keptAfterExpiry,
            String issuer, BundleStore bundles, Clock clock) {
        this(trustDomain, dir, algorithm, keyTtl, keptAfterExpiry, issuer, bundles, clock, SigningProvider.select(SigningProvider.Choice.AUTO));
    }

    /**
     * @param crypto the provider EC keys are generated and signed with; loaded EC keys are translated into its key
     *     objects once, at load (RSA keys use the JDK's provider)
     */
    public JwtKeyManager(TrustDomain trustDomain, Path dir, JwtAlgorithm algorithm, Duration keyTtl, Duration keptAfterExpiry,
            String issuer, BundleStore bundles, Clock clock, SigningProvider crypto) {
        this.crypto = Objects.requireNonNull(crypto, "crypto");
        this.trustDomain = Objects.requireNonNull(trustDomain, "trustDomain");
        this.dir = Objects.requireNonNull(dir, "dir");
        this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
        if (keyTtl.isNegative() || keyTtl.isZero()) {
            throw new IllegalArgumentException("JWT key lifetime must be positive");
        }
        this.keyTtl = keyTtl;
        this.keptAfterExpiry = keptAfterExpiry.isNegative() ? Duration.ZERO : keptAfterExpiry;
        this.issuer = issuer == null || issuer.isEmpty() ? null : issuer;
        this.bundles = Objects.requireNonNull(bundles, "bundles");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Loads the keys from disk, or generates the first on first start; makes sure they are in the bundle. */
    public synchronized void initialize() throws IOException {
        JwtSigningKey cur = load("current");
        JwtSigningKey nxt = load("next");
        if (cur != null && nxt != null && nxt.keyId().equals(cur.keyId())) {
            // A crash between writing current.json and deleting next.json during an activation.
            nxt = null;
            Files.deleteIfExists(file("next"));
        }
        Instant now = clock.instant();
        if (nxt != null && !nxt.notAfter().isAfter(now)) {
            nxt = null; // expired unused while the server was down; pruned from the bundle below
            Files.deleteIfExists(file("next"));
        }
        if (cur == null || !cur.notAfter().isAfter(now)) {
            if (nxt != null) {
                cur = nxt;
                nxt = null;
                store("current", cur);
                Files.deleteIfExists(file("next"));
                log.info("activated prepared JWT key {} (the previous one expired while the server was down)", cur);
            } else {
                cur = generate(now);
                store("current", cur);
                log.info("generated JWT key {}", cur);
            }
        }
        current = active(cur);
        next = nxt;
        publish(cur);
        if (nxt != null) {
            publish(nxt);
        }
        rotateIfDue();
    }

    /**
     * Prepares or activates a successor when due, and prunes keys from the bundle once they have been expired
     * for longer than {@code keptAfterExpiry}. Call periodically (the server does every few seconds).
     */
    public synchronized void rotateIfDue() throws IOException {
        Instant now = clock.instant();
        JwtSigningKey cur = current.key();
        Duration lifetime = Duration.between(cur.notBefore(), cur.notAfter());
        Duration remaining = Duration.between(now, cur.notAfter());
        JwtSigningKey nxt = next;
        if (nxt != null && nxt.algorithm() != algorithm && remaining.compareTo(lifetime.dividedBy(6)) > 0) {
            // Replaced only while there is time to publish the replacement before it must sign.
            withdraw(nxt);
            log.info("withdrew prepared JWT key {}: jwt_signing_algorithm is now {}", nxt, algorithm);
            nxt = null;
        }
        if (nxt == null && (remaining.compareTo(lifetime.dividedBy(2)) <= 0 || cur.algorithm() != algorithm)) {
            nxt = generate(now);
            store("next", nxt);
            next = nxt;
            publish(nxt);
            log.info("prepared JWT key {}", nxt);
        }
        if (nxt != null && remaining.compareTo(lifetime.dividedBy(6)) <= 0) {
            store("current", nxt);
            current = active(nxt);
            next = null;
            Files.deleteIfExists(file("next"));
            log.info("activated JWT key {}", nxt);
        }
        prune(now);
    }

    /** The key JWT-SVIDs are signed with now. */
    public JwtSigningKey current() {
        return current.key();
    }

    /** The prepared successor, published but not yet signing. */
    public Optional<JwtSigningKey> next() {
        return Optional.ofNullable(next);
    }

    /** The algorithm of keys generated from now on ({@code jwt_signing_algorithm}). */
    public JwtAlgorithm algorithm() {
        return algorithm;
    }

    /** The {@code iss} claim JWT-SVIDs carry, or null when they carry none. */
    public String issuer() {
        return issuer;
    }

    public TrustDomain trustDomain() {
        return trustDomain;
    }

    /** Called (on the rotating thread) whenever this manager changes the bundle. */
    public void onBundleChange(Runnable listener) {
        bundleListeners.add(listener);
    }

    /**
     * Mints a JWT-SVID with the current key: header exactly {@code alg}, {@code kid}, {@code typ: "JWT"}
     * (J-2, J-3, J-4, J-5); claims {@code sub}, {@code aud} (always a JSON array of exactly {@code audience},
     * in order; J-7, J-8), {@code exp}, {@code iat} and, when configured, {@code iss}. {@code iat} is now in
     * whole seconds; {@code exp} is {@code iat + ttl}, capped at the key's {@code notAfter}.
     *
     * @throws IllegalArgumentException if the ID is not in this trust domain or the audience is empty
     * @throws IllegalStateException if the signing key has expired (rotation overdue)
     */
    public JwtSvid signJwtSvid(SpiffeId subject, List<String> audience, Duration ttl) {
        if (!subject.isMemberOf(trustDomain)) {
            throw new IllegalArgumentException("SPIFFE ID " + subject + " is not in trust domain " + trustDomain);
        }
        if (audience.isEmpty() || audience.stream().anyMatch(a -> a == null || a.isEmpty())) {
            throw new IllegalArgumentException("audience must be specified, each value non-empty");
        }
        Active a = current;
        long iat = clock.instant().getEpochSecond();
        long exp = Math.min(iat + Math.max(1, ttl.toSeconds()), a.key().notAfter().getEpochSecond());
        if (exp <= iat) {
            throw new IllegalStateException("JWT signing key " + a.key().keyId() + " has expired; key rotation is overdue");
        }
        Map<String, Object> claims = new LinkedHashMap<>();
        if (issuer != null) {
            claims.put("iss", issuer);
        }
        claims.put("sub", subject.toString());
        claims.put("aud", List.copyOf(audience));
        claims.put("exp", exp);
        claims.put("iat", iat);
        // JWS compact serialisation (RFC 7515 §7.1) with the key's pre-serialised header
        String signingInput = a.encodedHeader() + "." + Base64URL.encode(JSONObjectUtils.toJSONString(claims).getBytes(StandardCharsets.UTF_8));
        Base64URL signature;
        try {
            signature = a.signer().sign(a.header(), signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (JOSEException e) {
            throw new IllegalStateException("signing a JWT-SVID with key " + a.key().keyId() + " failed: " + e.getMessage(), e);
        }
        return new JwtSvid(signingInput + "." + signature, Instant.ofEpochSecond(iat), Instant.ofEpochSecond(exp), a.key().keyId());
    }

    // ---- bundle ----

    private void publish(JwtSigningKey k) {
        StoredBundle before = bundles.get(trustDomain).orElse(null);
        StoredBundle after = bundles.addJwtAuthority(trustDomain,
                new StoredJwtAuthority(k.keyId(), k.publicKey().getEncoded(), k.notAfter(), k.algorithm().name()));
        if (before == null || before.sequence() != after.sequence()) {
            fireBundleChanged();
        }
    }

    private void withdraw(JwtSigningKey k) throws IOException {
        StoredBundle before = bundles.get(trustDomain).orElse(null);
        StoredBundle after = bundles.removeJwtAuthorities(trustDomain, a -> a.keyId().equals(k.keyId()));
        next = null;
        Files.deleteIfExists(file("next"));
        if (before != null && before.sequence() != after.sequence()) {
            fireBundleChanged();
        }
    }

    private void prune(Instant now) {
        String keep1 = current.key().keyId();
        JwtSigningKey nxt = next;
        String keep2 = nxt == null ? null : nxt.keyId();
        StoredBundle before = bundles.get(trustDomain).orElse(null);
        if (before == null) {
            return;
        }
        StoredBundle after = bundles.removeJwtAuthorities(trustDomain, a -> !a.keyId().equals(keep1) && !a.keyId().equals(keep2)
                && !a.expiresAt().plus(keptAfterExpiry).isAfter(now));
        if (after.sequence() != before.sequence()) {
            log.info("pruned expired JWT keys from the bundle");
            fireBundleChanged();
        }
    }

    private void fireBundleChanged() {
        for (Runnable r : bundleListeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("bundle listener failed", e);
            }
        }
    }

    // ---- keys ----

    private JwtSigningKey generate(Instant now) {
        KeyPair kp = algorithm.usesChosenProvider() ? crypto.generate(algorithm.keyType()) : Crypto.generate(algorithm.keyType());
        byte[] id = new byte[KEY_ID_BYTES];
        RANDOM.nextBytes(id);
        String kid = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
        return new JwtSigningKey(kid, algorithm, kp.getPrivate(), kp.getPublic(), now, now.plus(keyTtl));
    }

    private Active active(JwtSigningKey k) {
        JWSHeader header = new JWSHeader.Builder(k.algorithm().jws())
                .keyID(k.keyId())
                .type(JOSEObjectType.JWT)
                .build();
        return new Active(k, k.algorithm().signer(k.privateKey(), crypto), header, header.toBase64URL().toString());
    }

    private Path file(String slot) {
        return dir.resolve(slot + ".json");
    }

    private void store(String slot, JwtSigningKey k) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("key_id", k.keyId());
        json.put("algorithm", k.algorithm().name());
        json.put("not_before", k.notBefore().toString());
        json.put("not_after", k.notAfter().toString());
        json.put("public_key", Base64.getEncoder().encodeToString(k.publicKey().getEncoded()));
        json.put("private_key", Pem.encodePrivateKey(k.privateKey()));
        AtomicFiles.writeSecret(file(slot), JSONObjectUtils.toJSONString(json).getBytes(StandardCharsets.UTF_8));
    }

    private JwtSigningKey load(String slot) throws IOException {
        Path f = file(slot);
        if (!Files.exists(f)) {
            return null;
        }
        try {
            Map<String, Object> json = JSONObjectUtils.parse(Files.readString(f, StandardCharsets.UTF_8));
            String kid = JSONObjectUtils.getString(json, "key_id");
            JwtAlgorithm alg = JwtAlgorithm.parse(JSONObjectUtils.getString(json, "algorithm"));
            Instant notBefore = Instant.parse(JSONObjectUtils.getString(json, "not_before"));
            Instant notAfter = Instant.parse(JSONObjectUtils.getString(json, "not_after"));
            PublicKey pub = JwtAuthority.parsePublicKey(Base64.getDecoder().decode(JSONObjectUtils.getString(json, "public_key")));
            PrivateKey priv = Pem.decodePrivateKey(JSONObjectUtils.getString(json, "private_key"));
            if (alg.usesChosenProvider() && priv instanceof java.security.interfaces.ECPrivateKey) {
                priv = crypto.ownKey(priv); // once, at load
            }
            if (kid == null || kid.isEmpty()) {
                throw new IllegalArgumentException("key_id is missing");
            }
            JwtSigningKey k = new JwtSigningKey(kid, alg, priv, pub, notBefore, notAfter);
            active(k); // the key must suit its algorithm
            return k;
        } catch (ParseException | IllegalArgumentException | DateTimeParseException | NullPointerException e) {
            throw new IOException("JWT key file " + f + " is unreadable: " + e.getMessage(), e);
        }
    }
}
