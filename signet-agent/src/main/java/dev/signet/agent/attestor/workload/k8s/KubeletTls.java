package dev.signet.agent.attestor.workload.k8s;

import dev.signet.core.x509.ServerCertificateTrustManager;
import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * TLS towards the kubelet: its certificate must chain to the configured CA and be issued for the expected name
 * (checked here against the certificate's DNS or IP subject alternative names, because the name is not always
 * the host connected to — SPIRE connects to 127.0.0.1 and checks the node's host name), or, with
 * {@code skip_kubelet_verification}, anything is accepted. Optionally a client certificate.
 */
final class KubeletTls {
    private KubeletTls() {}

    static SSLContext context(TrustManager trust, KeyManager[] keys) throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keys, new TrustManager[] {trust}, null);
        return ctx;
    }

    static List<X509Certificate> certificates(String pem, String what) throws IOException {
        try {
            Collection<? extends java.security.cert.Certificate> all = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new java.io.ByteArrayInputStream(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            List<X509Certificate> out = new ArrayList<>();
            all.forEach(c -> out.add((X509Certificate) c));
            if (out.isEmpty()) {
                throw new IOException(what + " holds no PEM certificate");
            }
            return out;
        } catch (CertificateException e) {
            throw new IOException(what + " is not a PEM certificate file: " + e.getMessage(), e);
        }
    }

    /** A PEM private key: PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or SEC 1 ({@code EC PRIVATE KEY}). */
    static PrivateKey privateKey(String pem, String what) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o;
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            while ((o = parser.readObject()) != null) {
                if (o instanceof PEMKeyPair kp) {
                    return converter.getKeyPair(kp).getPrivate();
                }
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException(what + " is not a PEM private key: " + e.getMessage(), e);
        }
        throw new IOException(what + " holds no PEM private key (unencrypted PKCS#8, PKCS#1 or SEC 1)");
    }

    static KeyManager[] clientKey(List<X509Certificate> chain, PrivateKey key) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("client", key, new char[0], chain.toArray(X509Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        return kmf.getKeyManagers();
    }

    /** Accepts chains to {@code roots} whose leaf is issued for {@code name}. */
    static X509ExtendedTrustManager verifying(List<X509Certificate> roots, String name) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        for (int i = 0; i < roots.size(); i++) {
            ks.setCertificateEntry("ca-" + i, roots.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        X509TrustManager pkix = null;
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                pkix = x;
            }
        }
        if (pkix == null) {
            throw new GeneralSecurityException("no X.509 trust manager");
        }
        return new Verifying(pkix, name);
    }

    static X509ExtendedTrustManager trustingAll() {
        return new Lenient();
    }

    /** True if the leaf's SANs name {@code name}: an IP SAN equal to an IP literal, else a DNS SAN (one left-most wildcard label). */
    static boolean issuedFor(X509Certificate leaf, String name) throws CertificateParsingException {
        Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
        if (sans == null) {
            return false;
        }
        boolean ip = isIpLiteral(name);
        String wanted = name.toLowerCase(Locale.ROOT);
        for (List<?> san : sans) {
            int type = (Integer) san.get(0);
            String value = String.valueOf(san.get(1));
            if (ip && type == 7 && sameIp(value, name)) {
                return true;
            }
            if (!ip && type == 2 && dnsMatches(value.toLowerCase(Locale.ROOT), wanted)) {
                return true;
            }
        }
        return false;
    }

    private static boolean dnsMatches(String pattern, String host) {
        if (pattern.startsWith("*.")) {
            int dot = host.indexOf('.');
            return dot > 0 && host.substring(dot).equals(pattern.substring(1));
        }
        return pattern.equals(host);
    }

    private static boolean isIpLiteral(String s) {
        return s.matches("[0-9.]+") || s.contains(":");
    }

    private static boolean sameIp(String a, String b) {
        try {
            return java.net.InetAddress.getByName(a).equals(java.net.InetAddress.getByName(b));
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static final class Verifying extends ServerCertificateTrustManager {
        private final X509TrustManager pkix;
        private final String name;

        Verifying(X509TrustManager pkix, String name) {
            this.pkix = pkix;
            this.name = name;
        }

        @Override
        protected void checkServer(X509Certificate[] chain, String authType) throws CertificateException {
            pkix.checkServerTrusted(chain, authType);
            if (!issuedFor(chain[0], name)) {
                throw new CertificateException("the kubelet's certificate is not issued for \"" + name + "\" (subject "
                        + chain[0].getSubjectX500Principal().getName() + ", SANs " + chain[0].getSubjectAlternativeNames() + ")");
            }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return pkix.getAcceptedIssuers();
        }
    }

    private static final class Lenient extends ServerCertificateTrustManager {
        @Override
        protected void checkServer(X509Certificate[] chain, String authType) {
            // skip_kubelet_verification: any certificate
        }
    }
}
