package dev.signet.bench;

import dev.signet.core.x509.Crypto;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.Signature;

/**
 * The raw ECDSA P-256 signing rate of one thread with the provider the server signs with ({@link Crypto#PROVIDER},
 * BouncyCastle): SHA256withECDSA over a 400-byte message, the size of an X509-SVID's TBSCertificate. Run in a child
 * JVM with the launcher's flags, so it is "the same JVM" as the server's. Prints signatures per second.
 */
public final class RawSign {
    private RawSign() {}

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
        byte[] msg = new byte[400];
        new SecureRandom().nextBytes(msg);
        Signature s = Signature.getInstance("SHA256withECDSA", Crypto.PROVIDER);
        run(s, kp, msg, Math.max(1, seconds / 2)); // warm-up
        System.out.println(run(s, kp, msg, seconds));
    }

    private static double run(Signature s, KeyPair kp, byte[] msg, double seconds) throws Exception {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long t0 = System.nanoTime();
        long n = 0;
        while (System.nanoTime() < end) {
            s.initSign(kp.getPrivate());
            s.update(msg);
            s.sign();
            n++;
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }
}
