package dev.signet.core.x509;

import java.io.IOException;
import java.security.KeyPair;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
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

    /** Parses a CSR, checks its self-signature with BouncyCastle and returns its public key (off the hot paths). */
    public static PublicKey verifiedPublicKey(byte[] der) {
        return verifiedPublicKey(der, SigningProvider.bouncyCastle());
    }

    /**
     * Parses a CSR, checks its self-signature (proof of possession of the key) with {@code crypto} and returns its
     * public key as one of {@code crypto}'s key objects. Accepted signatures: ECDSA with SHA-256/384/512 over an EC
     * key, RSA PKCS#1 v1.5 with SHA-256/384/512 over an RSA key.
     *
     * @throws IllegalArgumentException "CSR signature is invalid", or "malformed CSR: ..." naming what is wrong
     */
    public static PublicKey verifiedPublicKey(byte[] der, SigningProvider crypto) {
        return verified(der, crypto).key();
    }

    /**
     * {@link #verifiedPublicKey(byte[], SigningProvider)} returning the CSR's SubjectPublicKeyInfo, which a certificate
     * builder takes as is (no re-encoding of the key object, which costs a native call with Conscrypt).
     */
    public static SubjectPublicKeyInfo verifiedKeyInfo(byte[] der, SigningProvider crypto) {
        return verified(der, crypto).info();
    }

    private record Verified(PublicKey key, SubjectPublicKeyInfo info) {}

    private static Verified verified(byte[] der, SigningProvider crypto) {
        PKCS10CertificationRequest csr;
        try {
            csr = new PKCS10CertificationRequest(der);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("malformed CSR: " + e.getMessage(), e);
        }
        ASN1ObjectIdentifier sigOid = csr.getSignatureAlgorithm().getAlgorithm();
        String sigAlg = SIGNATURE_ALGORITHMS.get(sigOid);
        if (sigAlg == null) {
            throw new IllegalArgumentException("malformed CSR: unsupported signature algorithm " + sigOid.getId()
                    + " (expected ECDSA or RSA PKCS#1 v1.5 with SHA-256, SHA-384 or SHA-512)");
        }
        SubjectPublicKeyInfo spki = csr.getSubjectPublicKeyInfo();
        ASN1ObjectIdentifier keyOid = spki.getAlgorithm().getAlgorithm();
        String keyAlg = X9ObjectIdentifiers.id_ecPublicKey.equals(keyOid) ? "EC"
                : PKCSObjectIdentifiers.rsaEncryption.equals(keyOid) ? "RSA" : null;
        if (keyAlg == null || !sigAlg.endsWith(keyAlg.equals("EC") ? "ECDSA" : "RSA")) {
            throw new IllegalArgumentException("malformed CSR: a " + (keyAlg == null ? keyOid.getId() : keyAlg)
                    + " public key cannot be checked with signature algorithm " + sigAlg);
        }
        PublicKey key;
        boolean valid;
        try {
            key = crypto.publicKey(keyAlg, spki.getEncoded(ASN1Encoding.DER));
            Signature v = crypto.signature(sigAlg);
            v.initVerify(key);
            v.update(csr.toASN1Structure().getCertificationRequestInfo().getEncoded(ASN1Encoding.DER));
            valid = v.verify(csr.getSignature());
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("malformed CSR: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
        if (!valid) {
            throw new IllegalArgumentException("CSR signature is invalid");
        }
        return new Verified(key, spki);
    }

    private static final Map<ASN1ObjectIdentifier, String> SIGNATURE_ALGORITHMS = Map.of(
            X9ObjectIdentifiers.ecdsa_with_SHA256, "SHA256withECDSA",
            X9ObjectIdentifiers.ecdsa_with_SHA384, "SHA384withECDSA",
            X9ObjectIdentifiers.ecdsa_with_SHA512, "SHA512withECDSA",
            PKCSObjectIdentifiers.sha256WithRSAEncryption, "SHA256withRSA",
            PKCSObjectIdentifiers.sha384WithRSAEncryption, "SHA384withRSA",
            PKCSObjectIdentifiers.sha512WithRSAEncryption, "SHA512withRSA");
}
