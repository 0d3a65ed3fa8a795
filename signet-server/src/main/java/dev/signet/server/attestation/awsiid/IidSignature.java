package dev.signet.server.attestation.awsiid;

import dev.signet.server.attestation.NodeAttestor.AttestationFailure;
import dev.signet.server.attestation.NodeAttestor.Reason;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSTypedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.operator.OperatorCreationException;

/**
 * The {@code rsa2048} signature of an instance identity document: a PKCS#7 (CMS) SignedData, base64 without PEM
 * armour, whose encapsulated content is the document itself. Verified with BouncyCastle against the AWS public
 * certificates configured for the document's region.
 */
final class IidSignature {
    /** SHA-256 and stronger; AWS signs with SHA-256. */
    private static final Set<String> DIGESTS = Set.of(NISTObjectIdentifiers.id_sha256.getId(),
            NISTObjectIdentifiers.id_sha384.getId(), NISTObjectIdentifiers.id_sha512.getId());

    private IidSignature() {}

    /** Decodes the base64 text (line breaks and PEM armour tolerated) into DER. */
    static byte[] decode(String base64) throws AttestationFailure {
        StringBuilder b = new StringBuilder();
        for (String line : base64.split("\r?\n")) {
            if (!line.startsWith("-----")) {
                b.append(line.trim());
            }
        }
        try {
            byte[] der = Base64.getDecoder().decode(b.toString());
            if (der.length == 0) {
                throw invalid("the signature is empty");
            }
            return der;
        } catch (IllegalArgumentException e) {
            throw invalid("the signature is not base64: " + e.getMessage());
        }
    }

    /**
     * Verifies the SignedData against {@code trusted} and returns the content it signs.
     *
     * @param where which certificates were used, for messages (e.g. {@code for region eu-west-1})
     * @throws AttestationFailure INVALID when the structure is malformed, DENIED when no signer verifies
     */
    static byte[] verify(byte[] der, List<X509Certificate> trusted, String where) throws AttestationFailure {
        CMSSignedData sd;
        try {
            sd = new CMSSignedData(der);
        } catch (CMSException | RuntimeException e) {
            throw invalid("the signature is not a PKCS#7 SignedData structure: " + e.getMessage());
        }
        CMSTypedData content = sd.getSignedContent();
        if (content == null || !(content.getContent() instanceof byte[] signed)) {
            throw invalid("the PKCS#7 signature carries no document (expected the content to be embedded)");
        }
        if (sd.getSignerInfos().size() == 0) {
            throw invalid("the PKCS#7 signature has no signer");
        }
        String lastProblem = "it was signed by a key none of them holds";
        for (SignerInformation signer : sd.getSignerInfos().getSigners()) {
            if (!DIGESTS.contains(signer.getDigestAlgOID())) {
                lastProblem = "its digest algorithm " + signer.getDigestAlgOID() + " is not SHA-256 or stronger";
                continue;
            }
            for (X509Certificate cert : trusted) {
                try {
                    if (signer.verify(new JcaSimpleSignerInfoVerifierBuilder().build(cert))) {
                        return signed;
                    }
                    lastProblem = "the signature does not match the key of " + cert.getSubjectX500Principal();
                } catch (CMSException e) {
                    // a digest mismatch (content altered after signing), a wrong key, or a certificate not valid at signing time
                    lastProblem = e.getMessage();
                } catch (OperatorCreationException | RuntimeException e) {
                    lastProblem = "cannot use the certificate " + cert.getSubjectX500Principal() + ": " + e.getMessage();
                }
            }
        }
        throw new AttestationFailure(Reason.DENIED, AwsIidAttestor.NAME + ": the instance identity document's signature"
                + " does not verify against the AWS certificate(s) configured " + where + ": " + lastProblem);
    }

    private static AttestationFailure invalid(String message) {
        return new AttestationFailure(Reason.INVALID, AwsIidAttestor.NAME + ": " + message);
    }
}
