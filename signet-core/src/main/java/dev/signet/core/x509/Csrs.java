package dev.signet.core.x509;

import java.io.IOException;
import java.security.KeyPair;
import java.security.PublicKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * PKCS#10 certificate signing requests. A CSR only proves possession of a key: the server takes the
 * public key from it and nothing else (identity, TTL and names come from the registration entry).
 */
public final class Csrs {
    private Csrs() {}

    public static byte[] create(KeyPair keyPair) {
        try {
            ContentSigner signer = new JcaContentSignerBuilder(Crypto.signatureAlgorithm(keyPair.getPublic()))
                    .setProvider(Crypto.PROVIDER).build(keyPair.getPrivate());
            return new JcaPKCS10CertificationRequestBuilder(new X500Name(new org.bouncycastle.asn1.x500.RDN[0]), keyPair.getPublic())
                    .build(signer).getEncoded();
        } catch (OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot create CSR", e);
        }
    }

    /** Parses a CSR, checks its self-signature and returns its public key. */
    public static PublicKey verifiedPublicKey(byte[] der) {
        try {
            JcaPKCS10CertificationRequest csr = new JcaPKCS10CertificationRequest(new PKCS10CertificationRequest(der));
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider(Crypto.PROVIDER).build(csr.getSubjectPublicKeyInfo()))) {
                throw new IllegalArgumentException("CSR signature is invalid");
            }
            return csr.setProvider(Crypto.PROVIDER).getPublicKey();
        } catch (IOException | RuntimeException | OperatorCreationException | PKCSException | java.security.GeneralSecurityException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null && iae.getMessage().startsWith("CSR")) {
                throw iae;
            }
            throw new IllegalArgumentException("malformed CSR: " + e.getMessage(), e);
        }
    }
}
