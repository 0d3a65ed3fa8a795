package dev.signet.core.x509;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

/** Checks that a private key belongs to a public key, by signing and verifying a probe. */
public final class KeyMatch {
    private KeyMatch() {}

    public static boolean matches(PublicKey pub, PrivateKey key) {
        try {
            byte[] probe = "signet-key-match".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            String alg = Crypto.signatureAlgorithm(pub);
            Signature s = Signature.getInstance(alg, Crypto.PROVIDER);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg, Crypto.PROVIDER);
            v.initVerify(pub);
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
