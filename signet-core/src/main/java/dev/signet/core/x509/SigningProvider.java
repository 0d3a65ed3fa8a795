package dev.signet.core.x509;

import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Locale;
import java.util.Objects;

/**
 * The JCA provider of the server's signing hot paths — CSR proof-of-possession checks, X.509-SVID and JWT-SVID
 * signatures, CA and JWT key generation — chosen once at start-up by the composition root and passed down
 * (never registered globally, never changed afterwards).
 *
 * <p>Conscrypt (BoringSSL through JNI) signs ECDSA P-256 about 10× and verifies about 3–5× faster than
 * BouncyCastle on JDK 17, and every SVID costs one CSR verification and one signature. Its uber jar carries native
 * libraries for linux-x86_64, macOS x86_64 and Windows only, so {@link Choice#AUTO} falls back to BouncyCastle
 * (pure Java, everywhere) when the library does not load or fails a sign/verify self-test; {@link #reason()}
 * says which and why, for the one start-up log line.
 *
 * <p>Keys: a private key is used with the provider that made its key object — BouncyCastle would otherwise
 * translate a foreign key on every {@code initSign}. {@link #ownKey(PrivateKey)} translates a key once (through
 * its PKCS#8 encoding, which is also what the key files hold), at load and at rotation.
 */
public final class SigningProvider {
    /** BouncyCastle, the fallback and the provider of everything off the hot paths. */
    private static final SigningProvider BOUNCY_CASTLE = new SigningProvider(Choice.BOUNCYCASTLE, Crypto.PROVIDER,
            "org.bouncycastle.", "BouncyCastle");

    private final Choice kind;
    private final Provider provider;
    private final String keyPackage;
    private final String reason;
    private final SecureRandom random = new SecureRandom();

    private SigningProvider(Choice kind, Provider provider, String keyPackage, String reason) {
        this.kind = kind;
        this.provider = provider;
        this.keyPackage = keyPackage;
        this.reason = reason;
    }

    /** The configuration values of {@code crypto_provider}. */
    public enum Choice {
        /** Conscrypt if its native library loads and works here, else BouncyCastle. */
        AUTO,
        /** Conscrypt or a start-up error. */
        CONSCRYPT,
        /** BouncyCastle. */
        BOUNCYCASTLE;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses {@code auto}, {@code conscrypt} or {@code bouncycastle}; anything else is an error naming the choices. */
        public static Choice parse(String s) {
            for (Choice c : values()) {
                if (c.configName().equals(s)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("unknown crypto provider \"" + s + "\" (expected auto, conscrypt or bouncycastle)");
        }
    }

    /** BouncyCastle (pure Java). */
    public static SigningProvider bouncyCastle() {
        return BOUNCY_CASTLE;
    }

    /**
     * Chooses the provider: {@code AUTO} takes Conscrypt when it loads and passes a P-256 sign/verify self-test,
     * else BouncyCastle; {@code CONSCRYPT} fails when it cannot.
     *
     * @throws IllegalStateException for {@code CONSCRYPT} when Conscrypt is unusable here, saying why
     */
    public static SigningProvider select(Choice choice) {
        return select(choice, SigningProvider::loadConscrypt);
    }

    /** {@link #select(Choice)} with the way Conscrypt is loaded given (tests make it fail as it does on other platforms). */
    static SigningProvider select(Choice choice, java.util.function.Supplier<Provider> conscrypt) {
        Objects.requireNonNull(choice, "choice");
        if (choice == Choice.BOUNCYCASTLE) {
            return new SigningProvider(Choice.BOUNCYCASTLE, BOUNCY_CASTLE.provider, BOUNCY_CASTLE.keyPackage,
                    "BouncyCastle (crypto_provider = \"bouncycastle\")");
        }
        String platform = System.getProperty("os.name") + "/" + System.getProperty("os.arch");
        String problem;
        try {
            Provider p = conscrypt.get();
            SigningProvider c = new SigningProvider(Choice.CONSCRYPT, p, "org.conscrypt.",
                    "Conscrypt " + conscryptVersion() + " (BoringSSL, native library loaded on " + platform + ")"
                            + (choice == Choice.CONSCRYPT ? " (crypto_provider = \"conscrypt\")" : " (crypto_provider = \"auto\")"));
            c.selfTest();
            return c;
        } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError, a failed self-test
            problem = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
            if (t.getCause() != null && t.getCause().getMessage() != null) {
                problem += " (" + t.getCause().getMessage() + ")";
            }
        }
        if (choice == Choice.CONSCRYPT) {
            throw new IllegalStateException("crypto_provider = \"conscrypt\" but Conscrypt cannot be used on " + platform + ": " + problem);
        }
        return new SigningProvider(Choice.BOUNCYCASTLE, BOUNCY_CASTLE.provider, BOUNCY_CASTLE.keyPackage,
                "BouncyCastle (crypto_provider = \"auto\": Conscrypt is unavailable on " + platform + ": " + problem + ")");
    }

    private static String conscryptVersion() {
        try {
            org.conscrypt.Conscrypt.Version v = org.conscrypt.Conscrypt.version();
            return v.major() + "." + v.minor() + "." + v.patch();
        } catch (Throwable t) {
            return "(version unknown)";
        }
    }

    private static Provider loadConscrypt() {
        org.conscrypt.Conscrypt.checkAvailability(); // throws UnsatisfiedLinkError naming why the native library did not load
        return org.conscrypt.Conscrypt.newProvider();
    }

    /** One P-256 key pair, signature and verification, so a half-working native library is caught at start-up. */
    private void selfTest() throws GeneralSecurityException {
        KeyPair kp = generate(Crypto.KeyType.EC_P256);
        byte[] msg = "signet self-test".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Signature s = signature("SHA256withECDSA");
        s.initSign(kp.getPrivate(), random);
        s.update(msg);
        byte[] sig = s.sign();
        Signature v = signature("SHA256withECDSA");
        v.initVerify(publicKey("EC", kp.getPublic().getEncoded()));
        v.update(msg);
        if (!v.verify(sig)) {
            throw new GeneralSecurityException("self-test signature did not verify");
        }
        Signature bc = Signature.getInstance("SHA256withECDSA", BOUNCY_CASTLE.provider);
        bc.initVerify(BOUNCY_CASTLE.publicKey("EC", kp.getPublic().getEncoded()));
        bc.update(msg);
        if (!bc.verify(sig)) {
            throw new GeneralSecurityException("self-test signature did not verify with BouncyCastle");
        }
    }

    /** Which provider this is: {@code CONSCRYPT} or {@code BOUNCYCASTLE} (never {@code AUTO}). */
    public Choice kind() {
        return kind;
    }

    /** The provider's short name, {@code conscrypt} or {@code bouncycastle}. */
    public String name() {
        return kind.configName();
    }

    /** The provider and why it was chosen, for the start-up log line. */
    public String reason() {
        return reason;
    }

    /** The JCA provider instance (not registered globally). */
    public Provider provider() {
        return provider;
    }

    /** A shared CSPRNG for {@code initSign} (thread-safe). */
    public SecureRandom random() {
        return random;
    }

    /** A new {@link Signature} of this provider ({@code Signature} objects are not thread-safe: one per use or per thread). */
    public Signature signature(String algorithm) throws NoSuchAlgorithmException {
        return Signature.getInstance(algorithm, provider);
    }

    /** A public key object of this provider from a DER SubjectPublicKeyInfo. */
    public PublicKey publicKey(String keyAlgorithm, byte[] spki) throws GeneralSecurityException {
        return KeyFactory.getInstance(keyAlgorithm, provider).generatePublic(new X509EncodedKeySpec(spki));
    }

    /** Whether {@code key} is already one of this provider's key objects. */
    public boolean owns(Key key) {
        return key.getClass().getName().startsWith(keyPackage);
    }

    /**
     * {@code key} as one of this provider's key objects: itself if it already is, else translated once through its
     * PKCS#8 encoding. Call at load and rotation, never per signature.
     */
    public PrivateKey ownKey(PrivateKey key) {
        if (owns(key)) {
            return key;
        }
        byte[] der = key.getEncoded();
        if (der == null || !"PKCS#8".equalsIgnoreCase(key.getFormat())) {
            throw new IllegalArgumentException("a " + key.getAlgorithm() + " key without a PKCS#8 encoding cannot be used with " + name());
        }
        try {
            String alg = key.getAlgorithm().equals("ECDSA") ? "EC" : key.getAlgorithm(); // BouncyCastle's name for some EC keys
            return KeyFactory.getInstance(alg, provider).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot translate a " + key.getAlgorithm() + " key to " + name() + ": " + e.getMessage(), e);
        }
    }

    /** Generates a key pair of this provider: {@code ec-p256}, {@code ec-p384}, {@code rsa-2048}, {@code rsa-4096}. */
    public KeyPair generate(Crypto.KeyType type) {
        try {
            KeyPairGenerator g;
            switch (type) {
                case EC_P256, EC_P384 -> {
                    g = KeyPairGenerator.getInstance("EC", provider);
                    g.initialize(new ECGenParameterSpec(type == Crypto.KeyType.EC_P256 ? "secp256r1" : "secp384r1"), random);
                }
                case RSA_2048, RSA_4096 -> {
                    g = KeyPairGenerator.getInstance("RSA", provider);
                    g.initialize(new RSAKeyGenParameterSpec(type == Crypto.KeyType.RSA_2048 ? 2048 : 4096, RSAKeyGenParameterSpec.F4), random);
                }
                default -> throw new IllegalArgumentException("unsupported key type " + type);
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate " + type.configName() + " key with " + name(), e);
        }
    }

    @Override
    public String toString() {
        return name();
    }
}
