package dev.signet.server.attestation.x509pop;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.signet.core.x509.Crypto;
import dev.signet.server.attestation.NodeAttestor.AttestationFailure;
import dev.signet.server.attestation.NodeAttestor.Reason;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.text.ParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One proof-of-possession challenge. The server sends {@code {"scheme":"<scheme>","nonce":"<base64>"}} with
 * 32 fresh random bytes; the agent answers {@code {"nonce":"<base64 of its own 32 random bytes>",
 * "signature":"<base64>"}}, signing serverNonce ‖ agentNonce with the leaf's private key using
 * {@value #ECDSA} (ECDSA over the SHA-256 digest, DER-encoded signature) for EC keys or {@value #RSA_PSS}
 * (RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt) for RSA keys.
 */
final class Challenge {
    static final String ECDSA = "ecdsa-sha256";
    static final String RSA_PSS = "rsa-pss-sha256";
    static final int NONCE_BYTES = 32;
    /** Largest answer accepted: a nonce and an 8192-bit RSA signature, base64, with room to spare. */
    static final int MAX_ANSWER_BYTES = 4096;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String scheme;
    private final byte[] nonce;

    private Challenge(String scheme, byte[] nonce) {
        this.scheme = scheme;
        this.nonce = nonce;
    }

    /** A fresh challenge for the leaf's key. */
    static Challenge forKey(PublicKey key) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return new Challenge(scheme(key), nonce);
    }

    static String scheme(PublicKey key) {
        if (key instanceof ECPublicKey) {
            return ECDSA;
        }
        if (key instanceof RSAPublicKey) {
            return RSA_PSS;
        }
        throw new IllegalArgumentException("unsupported key algorithm " + key.getAlgorithm());
    }

    /** The message sent to the agent. */
    byte[] encode() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scheme", scheme);
        m.put("nonce", Base64.getEncoder().encodeToString(nonce));
        return JSONObjectUtils.toJSONString(m).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Checks the agent's answer.
     *
     * @throws AttestationFailure INVALID when the answer is malformed, DENIED when the signature does not verify
     */
    void verify(byte[] answer, PublicKey key) throws AttestationFailure {
        if (answer.length > MAX_ANSWER_BYTES) {
            throw invalid("challenge response is larger than " + MAX_ANSWER_BYTES + " bytes");
        }
        Map<String, Object> json;
        try {
            json = JSONObjectUtils.parse(new String(answer, StandardCharsets.UTF_8), MAX_ANSWER_BYTES);
        } catch (ParseException | RuntimeException e) {
            throw invalid("challenge response is not a JSON object: " + e.getMessage());
        }
        byte[] agentNonce = base64(json, "nonce");
        byte[] signature = base64(json, "signature");
        if (agentNonce.length != NONCE_BYTES) {
            throw invalid("challenge response nonce has " + agentNonce.length + " bytes, expected " + NONCE_BYTES);
        }
        if (signature.length == 0) {
            throw invalid("challenge response signature is empty");
        }
        boolean ok;
        try {
            Signature v = signature(scheme);
            v.initVerify(key);
            v.update(nonce);
            v.update(agentNonce);
            ok = v.verify(signature);
        } catch (java.security.SignatureException | RuntimeException e) {
            ok = false; // undecodable signature bytes: not a valid signature
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot verify " + scheme + " signatures", e);
        }
        if (!ok) {
            throw new AttestationFailure(Reason.DENIED,
                    "x509pop: the challenge signature does not verify with the certificate's public key (proof of possession failed)");
        }
    }

    /** The JCA signature for a scheme; the same algorithm signs on the agent. */
    static Signature signature(String scheme) throws GeneralSecurityException {
        if (scheme.equals(ECDSA)) {
            return Signature.getInstance("SHA256withECDSA", Crypto.PROVIDER);
        }
        Signature s = Signature.getInstance("RSASSA-PSS", Crypto.PROVIDER);
        s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        return s;
    }

    private static byte[] base64(Map<String, Object> json, String key) throws AttestationFailure {
        if (!(json.get(key) instanceof String s)) {
            throw invalid("challenge response has no \"" + key + "\" string");
        }
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw invalid("challenge response " + key + " is not valid base64: " + e.getMessage());
        }
    }

    private static AttestationFailure invalid(String problem) {
        return new AttestationFailure(Reason.INVALID, "x509pop: " + problem);
    }
}
