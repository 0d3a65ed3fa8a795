package dev.signet.core.x509;

import java.io.IOException;
import java.security.KeyPair;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Map;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
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

    /**
     * Reads the CSR (RFC 2986 §4: SEQUENCE { CertificationRequestInfo SEQUENCE { version INTEGER 0, subject Name,
     * subjectPKInfo, [0] attributes }, signatureAlgorithm, signature BIT STRING }) by walking its DER in place, with
     * definite lengths that must nest exactly, and checks the signature over the CertificationRequestInfo's bytes as
     * received: no object tree for the whole request, no re-encoding. Only the signature AlgorithmIdentifier and the
     * SubjectPublicKeyInfo are decoded into objects (by BouncyCastle, as before); the subject and the attributes are
     * only delimited (the server takes nothing from them, and they are under the signature).
     */
    private static Verified verified(byte[] der, SigningProvider crypto) {
        int criStart;
        int criEnd;
        int spkiStart;
        int spkiEnd;
        int sigStart;
        int sigEnd;
        ASN1ObjectIdentifier sigOid;
        SubjectPublicKeyInfo spki;
        try {
            Der request = Der.read(der, 0, der.length, SEQUENCE, "CertificationRequest");
            if (request.end != der.length) {
                throw new IllegalArgumentException(der.length - request.end + " bytes after the CertificationRequest");
            }
            Der info = Der.read(der, request.contentStart, request.end, SEQUENCE, "CertificationRequestInfo");
            Der algorithm = Der.read(der, info.end, request.end, SEQUENCE, "signatureAlgorithm");
            Der signature = Der.read(der, algorithm.end, request.end, BIT_STRING, "signature");
            if (signature.end != request.end) {
                throw new IllegalArgumentException("data after the signature");
            }
            Der version = Der.read(der, info.contentStart, info.end, INTEGER, "version");
            if (version.end - version.contentStart != 1 || der[version.contentStart] != 0) {
                throw new IllegalArgumentException("unsupported version (expected v1, 0)");
            }
            Der subject = Der.read(der, version.end, info.end, SEQUENCE, "subject");
            Der key = Der.read(der, subject.end, info.end, SEQUENCE, "subjectPKInfo");
            if (key.end != info.end) {
                Der attributes = Der.read(der, key.end, info.end, ATTRIBUTES, "attributes");
                if (attributes.end != info.end) {
                    throw new IllegalArgumentException("data after the attributes");
                }
            }
            if (signature.end == signature.contentStart || der[signature.contentStart] != 0) {
                throw new IllegalArgumentException("signature BIT STRING is empty or not octet-aligned");
            }
            sigOid = AlgorithmIdentifier.getInstance(ASN1Primitive.fromByteArray(Arrays.copyOfRange(der, algorithm.start, algorithm.end)))
                    .getAlgorithm();
            spki = SubjectPublicKeyInfo.getInstance(ASN1Primitive.fromByteArray(Arrays.copyOfRange(der, key.start, key.end)));
            criStart = info.start;
            criEnd = info.end;
            spkiStart = key.start;
            spkiEnd = key.end;
            sigStart = signature.contentStart + 1;
            sigEnd = signature.end;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("malformed CSR: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
        String sigAlg = SIGNATURE_ALGORITHMS.get(sigOid);
        if (sigAlg == null) {
            throw new IllegalArgumentException("malformed CSR: unsupported signature algorithm " + sigOid.getId()
                    + " (expected ECDSA or RSA PKCS#1 v1.5 with SHA-256, SHA-384 or SHA-512)");
        }
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
            key = crypto.publicKey(keyAlg, Arrays.copyOfRange(der, spkiStart, spkiEnd));
            Signature v = crypto.signature(sigAlg);
            v.initVerify(key);
            v.update(der, criStart, criEnd - criStart);
            valid = v.verify(der, sigStart, sigEnd - sigStart);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("malformed CSR: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
        if (!valid) {
            throw new IllegalArgumentException("CSR signature is invalid");
        }
        return new Verified(key, spki);
    }

    private static final int SEQUENCE = 0x30;
    private static final int INTEGER = 0x02;
    private static final int BIT_STRING = 0x03;
    private static final int ATTRIBUTES = 0xA0; // [0] IMPLICIT SET OF Attribute

    /** One DER element in place: its tag at {@code start}, content from {@code contentStart} to {@code end}. */
    private record Der(int start, int contentStart, int end) {
        /** The element at {@code pos}, which must have tag {@code tag}, a definite length and end by {@code limit}. */
        static Der read(byte[] b, int pos, int limit, int tag, String what) {
            if (pos >= limit) {
                throw new IllegalArgumentException(what + " missing");
            }
            if ((b[pos] & 0xFF) != tag) {
                throw new IllegalArgumentException(what + ": expected tag 0x" + Integer.toHexString(tag) + ", found 0x"
                        + Integer.toHexString(b[pos] & 0xFF));
            }
            int i = pos + 1;
            if (i >= limit) {
                throw new IllegalArgumentException(what + ": length missing");
            }
            int first = b[i++] & 0xFF;
            long length;
            if (first < 0x80) {
                length = first;
            } else {
                int octets = first & 0x7F;
                if (octets == 0 || octets > 4) {
                    throw new IllegalArgumentException(what + ": " + (octets == 0 ? "indefinite length" : "length of " + octets + " octets"));
                }
                if (i + octets > limit) {
                    throw new IllegalArgumentException(what + ": length truncated");
                }
                length = 0;
                for (int k = 0; k < octets; k++) {
                    length = (length << 8) | (b[i++] & 0xFF);
                }
            }
            if (length > limit - i) {
                throw new IllegalArgumentException(what + ": " + length + " bytes of content, only " + (limit - i) + " left");
            }
            return new Der(pos, i, i + (int) length);
        }
    }

    private static final Map<ASN1ObjectIdentifier, String> SIGNATURE_ALGORITHMS = Map.of(
            X9ObjectIdentifiers.ecdsa_with_SHA256, "SHA256withECDSA",
            X9ObjectIdentifiers.ecdsa_with_SHA384, "SHA384withECDSA",
            X9ObjectIdentifiers.ecdsa_with_SHA512, "SHA512withECDSA",
            PKCSObjectIdentifiers.sha256WithRSAEncryption, "SHA256withRSA",
            PKCSObjectIdentifiers.sha384WithRSAEncryption, "SHA384withRSA",
            PKCSObjectIdentifiers.sha512WithRSAEncryption, "SHA512withRSA");
}
