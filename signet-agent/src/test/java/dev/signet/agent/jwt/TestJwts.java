package dev.signet.agent.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.signet.core.bundle.JwtAuthority;
import dev.signet.core.x509.Crypto;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Crafts JWTs for tests, byte for byte: any header and claims JSON, signed by Nimbus signers over the exact
 * signing input (so headers Nimbus itself would refuse to build can be tested too).
 */
public final class TestJwts {
    private TestJwts() {}

    /** A signing key with its key ID and JWS algorithm. */
    public record Key(String kid, JWSAlgorithm alg, KeyPair pair) {
        public JwtAuthority authority() {
            return new JwtAuthority(kid, pair.getPublic(), Instant.MAX);
        }

        /** Signs {@code claims} with the standard header {@code {alg, kid, typ: JWT}}. */
        public String sign(Map<String, Object> claims) {
            return TestJwts.sign(header(alg.getName(), kid, "JWT"), claims, signer(pair.getPrivate()), alg);
        }
    }

    public static Key ec(String kid, String curve, JWSAlgorithm alg) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec(curve));
            return new Key(kid, alg, g.generateKeyPair());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static Key es256(String kid) {
        return new Key(kid, JWSAlgorithm.ES256, Crypto.generate(Crypto.KeyType.EC_P256));
    }

    public static Key rsa(String kid, JWSAlgorithm alg) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return new Key(kid, alg, g.generateKeyPair());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static JWSSigner signer(PrivateKey key) {
        try {
            return key instanceof ECPrivateKey ec ? new ECDSASigner(ec) : new RSASSASigner(key);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A header with these members; a null value leaves the member out. */
    public static Map<String, Object> header(String alg, String kid, String typ) {
        Map<String, Object> h = new LinkedHashMap<>();
        if (alg != null) {
            h.put("alg", alg);
        }
        if (kid != null) {
            h.put("kid", kid);
        }
        if (typ != null) {
            h.put("typ", typ);
        }
        return h;
    }

    /** Standard claims: sub, aud (list), iat now, exp now + ttl seconds. */
    public static Map<String, Object> claims(String sub, List<String> aud, Instant now, long ttlSeconds) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("sub", sub);
        c.put("aud", aud);
        c.put("iat", now.getEpochSecond());
        c.put("exp", now.getEpochSecond() + ttlSeconds);
        return c;
    }

    /** {@code b64(header).b64(claims).sig} where sig is {@code signer}'s signature with {@code alg}. */
    public static String sign(Map<String, Object> header, Map<String, Object> claims, JWSSigner signer, JWSAlgorithm alg) {
        String input = b64(JSONObjectUtils.toJSONString(header)) + "." + b64(JSONObjectUtils.toJSONString(claims));
        try {
            return input + "." + signer.sign(new JWSHeader(alg), input.getBytes(StandardCharsets.US_ASCII));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String b64(String json) {
        return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
