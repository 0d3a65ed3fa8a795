package dev.signet.server.ca;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.SigningProvider;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.util.Locale;

/**
 * The JWS algorithms the server signs JWT-SVIDs with (JWT-SVID §2.1 allows RS/ES/PS 256–512; J-3), each
 * with the key it needs: {@code ES256} (EC P-256, the default), {@code ES384} (EC P-384), {@code RS256} and
 * {@code PS256} (RSA 2048). Configured as {@code server.jwt_signing_algorithm}.
 */
public enum JwtAlgorithm {
    ES256(JWSAlgorithm.ES256, Crypto.KeyType.EC_P256),
    ES384(JWSAlgorithm.ES384, Crypto.KeyType.EC_P384),
    RS256(JWSAlgorithm.RS256, Crypto.KeyType.RSA_2048),
    PS256(JWSAlgorithm.PS256, Crypto.KeyType.RSA_2048);

    private final JWSAlgorithm jws;
    private final Crypto.KeyType keyType;

    JwtAlgorithm(JWSAlgorithm jws, Crypto.KeyType keyType) {
        this.jws = jws;
        this.keyType = keyType;
    }

    public JWSAlgorithm jws() {
        return jws;
    }

    public Crypto.KeyType keyType() {
        return keyType;
    }

    /** A signer for {@code key} whose ECDSA signatures use BouncyCastle (tests, checks of loaded keys). */
    public JWSSigner signer(PrivateKey key) {
        return signer(key, SigningProvider.bouncyCastle());
    }

    /**
     * A signer for {@code key}. ECDSA signs with {@code crypto}, the server's chosen provider (Conscrypt where it
     * loads, else BouncyCastle; both several times faster than SunEC on JDK 17), with the key translated into that
     * provider's key object here, once — hand this method the key at load or rotation, never per token. RSA uses the
     * JDK's default provider, whose RSASSA-PSS and PKCS#1 v1.5 signing are constant-time with blinding. Nimbus
     * signers are thread-safe (a fresh {@code Signature} per call).
     */
    public JWSSigner signer(PrivateKey key, SigningProvider crypto) {
        try {
            if (this == ES256 || this == ES384) {
                if (!(key instanceof ECPrivateKey)) {
                    throw new IllegalArgumentException(name() + " cannot sign with a " + key.getAlgorithm() + " key");
                }
                ECDSASigner s = new ECDSASigner(crypto.ownKey(key), this == ES256 ? Curve.P_256 : Curve.P_384);
                s.getJCAContext().setProvider(crypto.provider());
                return s;
            }
            return new RSASSASigner(key);
        } catch (JOSEException | ClassCastException e) {
            throw new IllegalArgumentException(name() + " cannot sign with a " + key.getAlgorithm() + " key: " + e.getMessage(), e);
        }
    }

    /** Whether keys of this algorithm are generated and used with the server's chosen provider (EC), not the JDK's (RSA). */
    boolean usesChosenProvider() {
        return this == ES256 || this == ES384;
    }

    /** Parses {@code ES256}, {@code ES384}, {@code RS256} or {@code PS256} (case-insensitive). */
    public static JwtAlgorithm parse(String s) {
        for (JwtAlgorithm a : values()) {
            if (a.name().equalsIgnoreCase(s == null ? "" : s.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown JWT signing algorithm \"" + s + "\" (expected ES256, ES384, RS256 or PS256)");
    }

    @Override
    public String toString() {
        return name().toUpperCase(Locale.ROOT);
    }
}
