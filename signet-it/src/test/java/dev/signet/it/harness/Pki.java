package dev.signet.it.harness;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** X.509 helpers for checking what workloads received. */
public final class Pki {
    private Pki() {}

    public static List<X509Certificate> certs(byte[] pemOrDer) {
        try {
            Collection<? extends java.security.cert.Certificate> c = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pemOrDer));
            List<X509Certificate> out = new ArrayList<>();
            c.forEach(x -> out.add((X509Certificate) x));
            return out;
        } catch (Exception e) {
            throw new AssertionError("cannot parse certificates", e);
        }
    }

    public static List<X509Certificate> certs(Path pem) {
        try {
            return certs(Files.readAllBytes(pem));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A PKCS#8 PEM ("BEGIN PRIVATE KEY") key, for the algorithm of {@code publicKeyAlgorithm}. */
    public static PrivateKey pkcs8(Path pem, String algorithm) {
        try {
            String s = Files.readString(pem, StandardCharsets.US_ASCII);
            if (!s.startsWith("-----BEGIN PRIVATE KEY-----")) {
                throw new AssertionError(pem + " is not a PKCS#8 PEM key: " + s.lines().findFirst().orElse(""));
            }
            String b64 = s.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new AssertionError("cannot read private key " + pem, e);
        }
    }

    /** The URI SANs of {@code cert}. */
    public static List<String> uriSans(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        try {
            if (cert.getSubjectAlternativeNames() != null) {
                for (List<?> san : cert.getSubjectAlternativeNames()) {
                    if ((Integer) san.get(0) == 6) {
                        out.add((String) san.get(1));
                    }
                }
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return out;
    }

    /** RFC 5280 path validation (Java PKIX, revocation off, now) of {@code chain} (leaf first) to {@code roots}. */
    public static void validate(List<X509Certificate> chain, List<X509Certificate> roots) throws Exception {
        Set<TrustAnchor> anchors = new HashSet<>();
        roots.forEach(r -> anchors.add(new TrustAnchor(r, null)));
        PKIXParameters params = new PKIXParameters(anchors);
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), params);
    }

    /** True if {@code key} signs what the leaf's public key verifies. */
    public static boolean keyMatches(PrivateKey key, X509Certificate leaf) {
        try {
            String alg = leaf.getPublicKey().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            byte[] msg = "signet-it".getBytes(StandardCharsets.UTF_8);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(msg);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(leaf.getPublicKey());
            v.update(msg);
            return v.verify(sig);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** {@code openssl verify -CAfile bundle [-untrusted chain] leaf}; returns combined output and exit code. */
    public static CliResult opensslVerify(Path bundlePem, Path chainPem, Path dir) {
        try {
            List<X509Certificate> chain = certs(chainPem);
            Path leaf = dir.resolve("leaf-only.pem");
            Files.writeString(leaf, pem(chain.get(0)));
            List<String> cmd = new ArrayList<>(List.of("openssl", "verify", "-CAfile", bundlePem.toString()));
            if (chain.size() > 1) {
                cmd.add("-untrusted");
                cmd.add(chainPem.toString());
            }
            cmd.add(leaf.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("openssl verify hung");
            }
            return new CliResult(String.join(" ", cmd), p.exitValue(), out, "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public static String pem(X509Certificate c) {
        try {
            return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(c.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
