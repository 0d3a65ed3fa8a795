package dev.signet.core.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Provider selection, key translation and CSR proof-of-possession checks under Conscrypt and BouncyCastle. */
class SigningProviderTest {
    /** The uber jar carries a native library for linux-x86_64 (and macOS/Windows x86_64), not for aarch64. */
    private static final boolean CONSCRYPT_PLATFORM = List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));

    @Test
    void autoChoosesConscryptWhereItsNativeLibraryLoadsElseBouncyCastleAndSaysWhy() {
        SigningProvider p = SigningProvider.select(SigningProvider.Choice.AUTO);
        if (CONSCRYPT_PLATFORM) {
            assertThat(p.kind()).isEqualTo(SigningProvider.Choice.CONSCRYPT);
            assertThat(p.provider().getName()).isEqualTo("Conscrypt");
            assertThat(p.reason()).contains("Conscrypt").contains("native library loaded").contains("crypto_provider = \"auto\"");
        } else {
            assertThat(p.kind()).isEqualTo(SigningProvider.Choice.BOUNCYCASTLE);
            assertThat(p.reason()).contains("Conscrypt is unavailable on");
        }
    }

    @Test
    void forcedBouncyCastleIsBouncyCastle() {
        SigningProvider p = SigningProvider.select(SigningProvider.Choice.BOUNCYCASTLE);
        assertThat(p.kind()).isEqualTo(SigningProvider.Choice.BOUNCYCASTLE);
        assertThat(p.provider().getName()).isEqualTo("BC");
        assertThat(p.reason()).contains("crypto_provider = \"bouncycastle\"");
    }

    @Test
    void forcedConscryptLoadsHereOrFailsSayingWhy() {
        if (CONSCRYPT_PLATFORM) {
            assertThat(SigningProvider.select(SigningProvider.Choice.CONSCRYPT).kind()).isEqualTo(SigningProvider.Choice.CONSCRYPT);
        } else {
            assertThatThrownBy(() -> SigningProvider.select(SigningProvider.Choice.CONSCRYPT))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("crypto_provider = \"conscrypt\" but Conscrypt cannot be used on");
        }
    }

    @Test
    void whenTheNativeLibraryDoesNotLoadAutoFallsBackSayingWhyAndForcedConscryptIsAnError() {
        java.util.function.Supplier<java.security.Provider> missing = () -> {
            throw new UnsatisfiedLinkError("no conscrypt_openjdk_jni-linux-aarch_64 in java.library.path");
        };
        SigningProvider p = SigningProvider.select(SigningProvider.Choice.AUTO, missing);
        assertThat(p.kind()).isEqualTo(SigningProvider.Choice.BOUNCYCASTLE);
        assertThat(p.reason()).startsWith("BouncyCastle (crypto_provider = \"auto\": Conscrypt is unavailable on ")
                .contains("UnsatisfiedLinkError: no conscrypt_openjdk_jni-linux-aarch_64 in java.library.path");
        assertThatThrownBy(() -> SigningProvider.select(SigningProvider.Choice.CONSCRYPT, missing))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("crypto_provider = \"conscrypt\" but Conscrypt cannot be used on ")
                .hasMessageContaining("UnsatisfiedLinkError: no conscrypt_openjdk_jni-linux-aarch_64");
        // a provider that loads but cannot do P-256 ECDSA fails the self-test the same way
        java.util.function.Supplier<java.security.Provider> broken = () -> new java.security.Provider("Broken", "1", "no algorithms") { };
        assertThat(SigningProvider.select(SigningProvider.Choice.AUTO, broken).kind()).isEqualTo(SigningProvider.Choice.BOUNCYCASTLE);
        assertThatThrownBy(() -> SigningProvider.select(SigningProvider.Choice.CONSCRYPT, broken))
                .hasMessageContaining("no such algorithm: EC for provider Broken");
    }

    @Test
    void choiceParsingIsStrict() {
        assertThat(SigningProvider.Choice.parse("auto")).isEqualTo(SigningProvider.Choice.AUTO);
        assertThat(SigningProvider.Choice.parse("conscrypt")).isEqualTo(SigningProvider.Choice.CONSCRYPT);
        assertThat(SigningProvider.Choice.parse("bouncycastle")).isEqualTo(SigningProvider.Choice.BOUNCYCASTLE);
        assertThatThrownBy(() -> SigningProvider.Choice.parse("openssl"))
                .hasMessage("unknown crypto provider \"openssl\" (expected auto, conscrypt or bouncycastle)");
        assertThatThrownBy(() -> SigningProvider.Choice.parse("Conscrypt")).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @EnumSource(value = SigningProvider.Choice.class, names = {"AUTO", "BOUNCYCASTLE"})
    void keysRoundTripThroughPkcs8AndAreTranslatedOnceIntoTheProvidersOwnObjects(SigningProvider.Choice choice) throws Exception {
        SigningProvider p = SigningProvider.select(choice);
        SigningProvider other = p.kind() == SigningProvider.Choice.BOUNCYCASTLE
                ? SigningProvider.select(SigningProvider.Choice.AUTO) : SigningProvider.bouncyCastle();
        for (Crypto.KeyType type : List.of(Crypto.KeyType.EC_P256, Crypto.KeyType.EC_P384)) {
            KeyPair kp = p.generate(type);
            assertThat(p.owns(kp.getPrivate())).as(type + " generated by " + p).isTrue();
            assertThat(p.ownKey(kp.getPrivate())).as("already owned: no translation").isSameAs(kp.getPrivate());
            // the key file format: PEM PKCS#8, read back by the (BouncyCastle) loader, then translated again
            PrivateKey loaded = Pem.decodePrivateKey(Pem.encodePrivateKey(kp.getPrivate()));
            PrivateKey translated = p.ownKey(loaded);
            assertThat(p.owns(translated)).isTrue();
            assertThat(KeyMatch.matches(kp.getPublic(), translated)).as("same key after the round trip").isTrue();
            // and it signs what the other provider verifies
            Signature s = p.signature(Crypto.signatureAlgorithm(kp.getPublic()));
            s.initSign(translated);
            s.update(new byte[] {1, 2, 3});
            byte[] sig = s.sign();
            Signature v = other.signature(Crypto.signatureAlgorithm(kp.getPublic()));
            v.initVerify(other.publicKey("EC", kp.getPublic().getEncoded()));
            v.update(new byte[] {1, 2, 3});
            assertThat(v.verify(sig)).as(p + " signature verified by " + other).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(value = SigningProvider.Choice.class, names = {"AUTO", "BOUNCYCASTLE"})
    void csrProofOfPossessionIsCheckedAndTheKeyComesBackAsTheProvidersObject(SigningProvider.Choice choice) throws Exception {
        SigningProvider p = SigningProvider.select(choice);
        for (Crypto.KeyType type : List.of(Crypto.KeyType.EC_P256, Crypto.KeyType.EC_P384, Crypto.KeyType.RSA_2048)) {
            KeyPair kp = Crypto.generate(type);
            PublicKey key = Csrs.verifiedPublicKey(Csrs.create(kp), p);
            assertThat(key.getEncoded()).as(type.configName()).isEqualTo(kp.getPublic().getEncoded());
            assertThat(p.owns(key)).as(type.configName() + " key object of " + p).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(value = SigningProvider.Choice.class, names = {"AUTO", "BOUNCYCASTLE"})
    void csrWithABadSignatureOrAnotherKeyIsRefused(SigningProvider.Choice choice) {
        SigningProvider p = SigningProvider.select(choice);
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
        byte[] csr = Csrs.create(kp);
        // the signature is the last element: flip a bit in its last byte (an ECDSA s value stays well-formed DER)
        byte[] badSignature = csr.clone();
        badSignature[badSignature.length - 1] ^= 0x01;
        assertThatThrownBy(() -> Csrs.verifiedPublicKey(badSignature, p))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("CSR signature is invalid");
        // a CSR naming key A but signed by key B: proof of possession of A fails
        KeyPair other = Crypto.generate(Crypto.KeyType.EC_P256);
        byte[] swapped = swapPublicKey(csr, kp.getPublic(), other.getPublic());
        assertThatThrownBy(() -> Csrs.verifiedPublicKey(swapped, p))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("CSR signature is invalid");
        assertThatThrownBy(() -> Csrs.verifiedPublicKey(new byte[] {0x30, 0x03, 0x02, 0x01, 0x05}, p))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("malformed CSR");
        assertThatThrownBy(() -> Csrs.verifiedPublicKey(new byte[0], p))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("malformed CSR");
    }

    /** {@code csr} with the DER of {@code from} replaced by that of {@code to} (same length for P-256 keys). */
    private static byte[] swapPublicKey(byte[] csr, PublicKey from, PublicKey to) {
        byte[] a = from.getEncoded();
        byte[] b = to.getEncoded();
        assertThat(b).hasSameSizeAs(a);
        byte[] out = csr.clone();
        for (int i = 0; i + a.length <= out.length; i++) {
            if (java.util.Arrays.equals(out, i, i + a.length, a, 0, a.length)) {
                System.arraycopy(b, 0, out, i, b.length);
                return out;
            }
        }
        throw new AssertionError("public key not found in CSR");
    }
}
