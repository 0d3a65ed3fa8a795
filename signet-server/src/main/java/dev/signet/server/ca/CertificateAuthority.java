package dev.signet.server.ca;

import dev.signet.core.bundle.TrustBundle;
import dev.signet.core.files.AtomicFiles;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Csrs;
import dev.signet.core.x509.SigningProvider;
import dev.signet.core.x509.Pem;
import dev.signet.server.store.BundleStore;
import dev.signet.server.store.StoredBundle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's X.509 certificate authority: a self-signed signing key per server, kept in
 * {@code <data_dir>/ca/} (keys 0600, written atomically), published in the trust bundle before it signs
 * anything.
 *
 * <p>Rotation follows SPIRE's schedule: when a CA has half its lifetime left a successor is prepared and
 * added to the bundle ({@code prepared}); when a sixth is left the successor becomes active. So every
 * SVID is signed by a CA that validators already had in their bundle for a long while (F-2), and a
 * CA is dropped from the bundle only once it has expired and nothing can chain to it (F-3).
 *
 * <p>With several servers on one datastore each has its own CA (its own {@code data_dir}); the shared bundle
 * holds all their roots, and this class only adds its own and prunes by expiry (see the package doc).
 */
public final class CertificateAuthority {
    private static final Logger log = LoggerFactory.getLogger(CertificateAuthority.class);

    private final TrustDomain trustDomain;
    private final Path dir;
    private final Crypto.KeyType keyType;
    private final Duration caTtl;
    private final BundleStore bundles;
    private final Clock clock;
    private final List<Runnable> bundleListeners = new CopyOnWriteArrayList<>();
    private final SigningProvider crypto;
    /** The signing authority with what signing needs from it, swapped as one. */
    private volatile X509Profiles.Issuer current;
    private volatile SigningAuthority next;
    private volatile TrustBundle cachedBundle;
    private final java.util.concurrent.atomic.AtomicLong bundleGeneration = new java.util.concurrent.atomic.AtomicLong();

    /** A CA signing with the provider {@code crypto_provider = "auto"} chooses on this machine (tests). */
    public CertificateAuthority(TrustDomain trustDomain, Path dir, Crypto.KeyType keyType, Duration caTtl, BundleStore bundles, Clock clock) {
        this(trustDomain, dir, keyType, caTtl, bundles, clock, SigningProvider.select(SigningProvider.Choice.AUTO));
    }

    /**
     * @param crypto the provider that generates CA keys, verifies CSRs and signs certificates; keys loaded from disk
     *     are translated into its key objects once, at load
     */
    public CertificateAuthority(TrustDomain trustDomain, Path dir, Crypto.KeyType keyType, Duration caTtl, BundleStore bundles, Clock clock,
            SigningProvider crypto) {
        this.crypto = java.util.Objects.requireNonNull(crypto, "crypto");
        this.trustDomain = trustDomain;
        this.dir = dir;
        this.keyType = keyType;
        this.caTtl = caTtl;
        this.bundles = bundles;
        this.clock = clock;
    }

    /** Loads the CA from disk, or generates it on first start; makes sure it is in the bundle. */
    public synchronized void initialize() throws IOException {
        SigningAuthority cur = load("current");
        next = load("next");
        Instant now = clock.instant();
        if (cur == null || !cur.certificate().getNotAfter().toInstant().isAfter(now)) {
            if (next != null && next.certificate().getNotAfter().toInstant().isAfter(now)) {
                activateNext();
            } else {
                cur = generate(now);
                store("current", cur);
                current = new X509Profiles.Issuer(cur, crypto);
                log.info("generated new CA {}", cur);
            }
        } else {
            current = new X509Profiles.Issuer(cur, crypto);
        }
        publish(current.authority());
        if (next != null) {
            publish(next);
        }
        rotateIfDue();
    }

    /** Prepares or activates a successor when due, and prunes expired authorities from the bundle. Call periodically. */
    public synchronized void rotateIfDue() throws IOException {
        invalidateBundle();
        Instant now = clock.instant();
        X509Certificate cert = current.authority().certificate();
        Instant notBefore = cert.getNotBefore().toInstant();
        Instant notAfter = cert.getNotAfter().toInstant();
        Duration lifetime = Duration.between(notBefore, notAfter);
        Duration remaining = Duration.between(now, notAfter);
        if (next == null && remaining.compareTo(lifetime.dividedBy(2)) <= 0) {
            next = generate(now);
            store("next", next);
            publish(next);
            log.info("prepared next CA {}", next);
        }
        if (next != null && remaining.compareTo(lifetime.dividedBy(6)) <= 0) {
            activateNext();
            log.info("activated CA {}", current.authority());
        }
        StoredBundle before = bundles.get(trustDomain).orElse(null);
        StoredBundle after = bundles.removeX509Authorities(trustDomain,
                der -> !Certificates.parse(der).getNotAfter().toInstant().isAfter(now));
        if (before == null || after.sequence() != before.sequence()) {
            fireBundleChanged();
        }
    }

    private void activateNext() throws IOException {
        SigningAuthority n = next;
        current = new X509Profiles.Issuer(n, crypto);
        next = null;
        store("current", n);
        Files.deleteIfExists(dir.resolve("next.key"));
        Files.deleteIfExists(dir.resolve("next.crt"));
    }

    public SigningAuthority current() {
        return current.authority();
    }

    /** The provider this CA signs and checks CSRs with. */
    public SigningProvider crypto() {
        return crypto;
    }

    /**
     * Checks a CSR's self-signature with this CA's provider and returns its public key.
     *
     * @throws IllegalArgumentException naming what is wrong with the CSR
     */
    public PublicKey verifiedCsrKey(byte[] csrDer) {
        return Csrs.verifiedPublicKey(csrDer, crypto);
    }

    /** {@link #verifiedCsrKey} returning the CSR's SubjectPublicKeyInfo, for {@link #signX509SvidDer(SpiffeId, SubjectPublicKeyInfo, Duration, List)}. */
    public SubjectPublicKeyInfo verifiedCsrKeyInfo(byte[] csrDer) {
        return Csrs.verifiedKeyInfo(csrDer, crypto);
    }

    public TrustDomain trustDomain() {
        return trustDomain;
    }

    /**
     * Signs an X509-SVID. The chain returned is the leaf only: the CA is self-signed and lives in the bundle.
     * The leaf's notAfter is {@code now + ttl}, capped at the CA's notAfter.
     */
    public List<X509Certificate> signX509Svid(SpiffeId id, PublicKey key, Duration ttl, List<String> dnsNames) {
        if (!id.isMemberOf(trustDomain)) {
            throw new IllegalArgumentException("SPIFFE ID " + id + " is not in trust domain " + trustDomain);
        }
        X509Profiles.Issuer ca = current;
        Instant now = clock.instant();
        return List.of(X509Profiles.leaf(ca, id, key, dnsNames, now, now.plus(ttl)));
    }

    /**
     * {@link #signX509Svid} returning the DER encoding of the leaf (the chain is the leaf only), for callers that
     * send it on: no parse of the just-built certificate.
     */
    public byte[] signX509SvidDer(SpiffeId id, PublicKey key, Duration ttl, List<String> dnsNames) {
        return signX509SvidDer(id, SubjectPublicKeyInfo.getInstance(key.getEncoded()), ttl, dnsNames);
    }

    /** {@link #signX509SvidDer(SpiffeId, PublicKey, Duration, List)} for a key from {@link #verifiedCsrKeyInfo}. */
    public byte[] signX509SvidDer(SpiffeId id, SubjectPublicKeyInfo key, Duration ttl, List<String> dnsNames) {
        if (!id.isMemberOf(trustDomain)) {
            throw new IllegalArgumentException("SPIFFE ID " + id + " is not in trust domain " + trustDomain);
        }
        X509Profiles.Issuer ca = current;
        Instant now = clock.instant();
        return X509Profiles.leafDer(ca, id, key, dnsNames, now, now.plus(ttl));
    }

    /**
     * The trust domain's bundle as the datastore holds it: every published CA certificate and JWT signing
     * key, with the sequence number that rises on every change to either.
     */
    public TrustBundle bundle() {
        TrustBundle b = cachedBundle;
        if (b == null) {
            long generation = bundleGeneration.get();
            b = TrustBundles.of(bundles.get(trustDomain).orElseThrow(() -> new IllegalStateException("trust bundle missing")));
            cachedBundle = b;
            if (bundleGeneration.get() != generation) { // invalidated while reading: don't keep a stale copy
                cachedBundle = null;
            }
        }
        return b;
    }

    /**
     * Drops the cached bundle so the next {@link #bundle()} reads the store. The bundle is read on every TLS
     * handshake and every sync push, so it is cached; whoever changes the stored bundle (this CA, the JWT key
     * manager) invalidates it, the server does on every change the store's change feed reports (other servers'
     * roots and JWT keys), and {@link #rotateIfDue()} does too.
     */
    public void invalidateBundle() {
        bundleGeneration.incrementAndGet();
        cachedBundle = null;
    }

    /** Called (on the rotating thread) whenever the bundle changes. */
    public void onBundleChange(Runnable listener) {
        bundleListeners.add(listener);
    }

    private void publish(SigningAuthority a) {
        StoredBundle before = bundles.get(trustDomain).orElse(null);
        StoredBundle after = bundles.addX509Authority(trustDomain, Certificates.der(a.certificate()));
        if (before == null || before.sequence() != after.sequence()) {
            fireBundleChanged();
        }
    }

    private void fireBundleChanged() {
        invalidateBundle();
        for (Runnable r : bundleListeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("bundle listener failed", e);
            }
        }
    }

    private SigningAuthority generate(Instant now) {
        KeyPair kp = crypto.generate(keyType);
        X509Certificate cert = X509Profiles.selfSignedCa(trustDomain, kp.getPublic(), kp.getPrivate(),
                now.minusSeconds(X509Profiles.NOT_BEFORE_CUSHION_SECONDS), now.plus(caTtl), crypto);
        return new SigningAuthority(kp.getPrivate(), cert);
    }

    private void store(String slot, SigningAuthority a) throws IOException {
        Files.createDirectories(dir);
        AtomicFiles.writeSecret(dir.resolve(slot + ".key"), Pem.encodePrivateKey(a.key()).getBytes(StandardCharsets.UTF_8));
        AtomicFiles.writePublic(dir.resolve(slot + ".crt"), Pem.encodeCertificates(List.of(a.certificate())).getBytes(StandardCharsets.UTF_8));
    }

    private SigningAuthority load(String slot) throws IOException {
        Path key = dir.resolve(slot + ".key");
        Path crt = dir.resolve(slot + ".crt");
        if (!Files.exists(key) || !Files.exists(crt)) {
            return null;
        }
        try {
            return new SigningAuthority(
                    crypto.ownKey(Pem.decodePrivateKey(Files.readString(key))), // translated once, here
                    Pem.decodeCertificates(Files.readString(crt)).get(0));
        } catch (IllegalArgumentException e) {
            throw new IOException("CA file " + key + " or " + crt + " is unreadable: " + e.getMessage(), e);
        }
    }

}
