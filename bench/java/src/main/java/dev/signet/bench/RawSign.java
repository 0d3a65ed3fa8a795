package dev.signet.bench;

import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.SigningProvider;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;

/**
 * The raw ECDSA P-256 rates of one thread with the provider the server signs with — chosen by the server's own
 * selection code ({@link SigningProvider#select}, {@code crypto_provider = "auto"}, the default) — over a 400-byte
 * message, the size of an X509-SVID's TBSCertificate:
 * <ul>
 *   <li>signs/s: SHA256withECDSA with the provider's own key object;</li>
 *   <li>sign+verify/s: one signature plus one verification with a fresh public key decoded from its DER
 *       SubjectPublicKeyInfo (as a CSR's is): the crypto floor of one X509-SVID, which needs a CSR proof-of-possession
 *       check and a signature.</li>
 * </ul>
 * Rates are per second of this thread's CPU time (not wall time), so they compare with the server's "per core used"
 * figures and stay meaningful when other processes compete for the cores. Run in a child JVM with the launcher's flags,
 * so it is "the same JVM" as the server's. Prints {@code <provider> <signs/s> <sign+verify/s>} on one line.
 */
public final class RawSign {
    private static final int FRESH_KEYS = 200;
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    private RawSign() {}

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        SigningProvider crypto = SigningProvider.select(SigningProvider.Choice.AUTO);
        KeyPair kp = crypto.generate(Crypto.KeyType.EC_P256);
        byte[] msg = new byte[400];
        new SecureRandom().nextBytes(msg);
        // fresh keys: what the agents' CSRs carry (made elsewhere, by BouncyCastle), and their signatures
        byte[][] spkis = new byte[FRESH_KEYS][];
        byte[][] sigs = new byte[FRESH_KEYS][];
        for (int i = 0; i < FRESH_KEYS; i++) {
            KeyPair k = Crypto.generate(Crypto.KeyType.EC_P256);
            Signature s = Signature.getInstance("SHA256withECDSA", SigningProvider.bouncyCastle().provider());
            s.initSign(k.getPrivate());
            s.update(msg);
            sigs[i] = s.sign();
            spkis[i] = k.getPublic().getEncoded();
        }
        double warm = Math.max(1, seconds / 2);
        sign(crypto, kp, msg, warm);
        double signs = sign(crypto, kp, msg, seconds);
        signVerify(crypto, kp, msg, spkis, sigs, warm);
        double pairs = signVerify(crypto, kp, msg, spkis, sigs, seconds);
        System.out.println(crypto.name() + " " + signs + " " + pairs);
    }

    private static double sign(SigningProvider crypto, KeyPair kp, byte[] msg, double seconds) throws Exception {
        Signature s = crypto.signature("SHA256withECDSA");
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long t0 = CPU.getCurrentThreadCpuTime();
        long n = 0;
        while (System.nanoTime() < end) {
            s.initSign(kp.getPrivate(), crypto.random());
            s.update(msg);
            s.sign();
            n++;
        }
        return n / ((CPU.getCurrentThreadCpuTime() - t0) / 1e9);
    }

    private static double signVerify(SigningProvider crypto, KeyPair kp, byte[] msg, byte[][] spkis, byte[][] sigs, double seconds)
            throws Exception {
        Signature s = crypto.signature("SHA256withECDSA");
        Signature v = crypto.signature("SHA256withECDSA");
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long t0 = CPU.getCurrentThreadCpuTime();
        long n = 0;
        while (System.nanoTime() < end) {
            int i = (int) (n % spkis.length);
            PublicKey fresh = crypto.publicKey("EC", spkis[i]);
            v.initVerify(fresh);
            v.update(msg);
            if (!v.verify(sigs[i])) {
                throw new IllegalStateException("verification failed");
            }
            s.initSign(kp.getPrivate(), crypto.random());
            s.update(msg);
            s.sign();
            n++;
        }
        return n / ((CPU.getCurrentThreadCpuTime() - t0) / 1e9);
    }
}
