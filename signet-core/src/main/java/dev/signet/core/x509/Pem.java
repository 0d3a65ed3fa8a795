package dev.signet.core.x509;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/** PEM and DER encoding of certificates and PKCS#8 private keys. */
public final class Pem {
    private Pem() {}

    public static String encodeCertificates(List<X509Certificate> certs) {
        StringWriter sw = new StringWriter();
        try (PemWriter w = new PemWriter(sw)) {
            for (X509Certificate c : certs) {
                w.writeObject(new PemObject("CERTIFICATE", c.getEncoded()));
            }
        } catch (IOException | CertificateException e) {
            throw new IllegalStateException("cannot encode certificate", e);
        }
        return sw.toString();
    }

    public static String encodePrivateKey(PrivateKey key) {
        return encode("PRIVATE KEY", key.getEncoded());
    }

    public static String encode(String type, byte[] der) {
        StringWriter sw = new StringWriter();
        try (PemWriter w = new PemWriter(sw)) {
            w.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return sw.toString();
    }

    /** Decodes every CERTIFICATE block; fails naming the problem if there is none or one is malformed. */
    public static List<X509Certificate> decodeCertificates(String pem) {
        List<X509Certificate> out = new ArrayList<>();
        for (PemObject o : blocks(pem)) {
            if (o.getType().equals("CERTIFICATE")) {
                out.add(Certificates.parse(o.getContent()));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no PEM CERTIFICATE block found");
        }
        return out;
    }

    /** Decodes the first PRIVATE KEY (PKCS#8) block. */
    public static PrivateKey decodePrivateKey(String pem) {
        for (PemObject o : blocks(pem)) {
            if (o.getType().equals("PRIVATE KEY")) {
                return Crypto.privateKeyFromPkcs8(o.getContent());
            }
        }
        throw new IllegalArgumentException("no PEM PRIVATE KEY block found");
    }

    private static List<PemObject> blocks(String pem) {
        List<PemObject> out = new ArrayList<>();
        try (PemReader r = new PemReader(new StringReader(pem))) {
            PemObject o;
            while ((o = r.readPemObject()) != null) {
                out.add(o);
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("malformed PEM: " + e.getMessage(), e);
        }
        return out;
    }

    /** Parses concatenated DER certificates (the Workload API's bundle and chain encoding). */
    public static List<X509Certificate> decodeDerSequence(byte[] der) {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            List<X509Certificate> out = new ArrayList<>();
            for (var c : cf.generateCertificates(new ByteArrayInputStream(der))) {
                out.add((X509Certificate) c);
            }
            return out;
        } catch (CertificateException e) {
            throw new IllegalArgumentException("malformed DER certificates: " + e.getMessage(), e);
        }
    }
}
