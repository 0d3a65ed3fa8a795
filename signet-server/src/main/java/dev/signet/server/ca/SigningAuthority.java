package dev.signet.server.ca;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/** A CA key and its certificate. The key never leaves the server that generated it. */
public record SigningAuthority(PrivateKey key, X509Certificate certificate) {
    @Override
    public String toString() {
        return "SigningAuthority[" + certificate.getSubjectX500Principal() + ", serial " + X509Profiles.hexSerial(certificate)
                + ", expires " + certificate.getNotAfter().toInstant() + "]";
    }
}
