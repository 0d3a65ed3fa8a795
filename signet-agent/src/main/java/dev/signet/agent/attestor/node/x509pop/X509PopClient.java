package dev.signet.agent.attestor.node.x509pop;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.signet.agent.attestor.node.NodeAttestorClient;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.KeyMatch;
import dev.signet.core.x509.Pem;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * The {@code x509pop} node attestor, agent side. Configuration:
 * {@code node_attestor "x509pop" { private_key_path = "...", certificate_path = "...", intermediates_path = "..." }}.
 */
public final class X509PopClient implements NodeAttestorClient {
    public static final String NAME = "x509pop";
    static final String ECDSA = "ecdsa-sha256";
    static final String RSA_PSS = "rsa-pss-sha256";
    static final int NONCE_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path privateKeyPath;
    private final Path certificatePath;
    private final Path intermediatesPath;
    /** The key read by the latest {@link #payload()}: the one the server's challenge is about. */
    private volatile PrivateKey key;

    public X509PopClient(Path privateKeyPath, Path certificatePath, Path intermediatesPath) {
        this.privateKeyPath = privateKeyPath;
        this.certificatePath = certificatePath;
        this.intermediatesPath = intermediatesPath;
    }

    /**
     * Reads the block; the files are read at attestation time.
     *
     * @throws dev.signet.core.config.ConfigException naming the key that is missing or unknown
     */
    public static X509PopClient fromConfig(ConfigBlock block) {
        String key = block.string("private_key_path", null);
        String cert = block.string("certificate_path", null);
        String intermediates = block.string("intermediates_path", null);
        block.rejectUnknownKeys();
        if (key == null || key.isBlank()) {
            throw block.invalid("private_key_path", "is required: the PEM file of the node's private key");
        }
        if (cert == null || cert.isBlank()) {
            throw block.invalid("certificate_path", "is required: the PEM file of the node's certificate (optionally followed by"
                    + " intermediates)");
        }
        if (intermediates != null && intermediates.isBlank()) {
            throw block.invalid("intermediates_path", "must not be empty (leave it out if there are no intermediates)");
        }
        return new X509PopClient(Path.of(key), Path.of(cert), intermediates == null ? null : Path.of(intermediates));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public byte[] payload() throws IOException {
        List<X509Certificate> chain = new ArrayList<>(certificates("certificate_path", certificatePath));
        if (intermediatesPath != null) {
            chain.addAll(certificates("intermediates_path", intermediatesPath));
        }
        PrivateKey k = privateKey();
        if (!(k instanceof ECPrivateKey) && !(k instanceof RSAPrivateKey)) {
            throw new IOException(NAME + ": private_key_path " + privateKeyPath + " holds a " + k.getAlgorithm()
                    + " key; only EC and RSA keys are supported");
        }
        if (!KeyMatch.matches(chain.get(0).getPublicKey(), k)) {
            throw new IOException(NAME + ": the private key in " + privateKeyPath + " does not belong to the certificate in "
                    + certificatePath + " (subject \"" + chain.get(0).getSubjectX500Principal().getName() + "\")");
        }
        key = k;
        List<String> ders = new ArrayList<>();
        for (X509Certificate c : chain) {
            try {
                ders.add(Base64.getEncoder().encodeToString(c.getEncoded()));
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new IOException(NAME + ": cannot encode certificate " + c.getSubjectX500Principal().getName(), e);
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("certificates", ders);
        return JSONObjectUtils.toJSONString(m).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] answer(byte[] challenge) throws IOException {
        PrivateKey k = key;
        if (k == null) {
            throw new IOException(NAME + ": the server sent a challenge before the payload was sent");
        }
        Map<String, Object> c;
        try {
            c = JSONObjectUtils.parse(new String(challenge, StandardCharsets.UTF_8), 4096);
        } catch (ParseException | RuntimeException e) {
            throw new IOException(NAME + ": the server's challenge is not a JSON object: " + e.getMessage());
        }
        if (!(c.get("scheme") instanceof String scheme) || !(c.get("nonce") instanceof String nonceText)) {
            throw new IOException(NAME + ": the server's challenge lacks \"scheme\" or \"nonce\"");
        }
        String expected = k instanceof ECPrivateKey ? ECDSA : RSA_PSS;
        if (!scheme.equals(expected)) {
            throw new IOException(NAME + ": the server asked for a " + scheme + " signature, but the node key is "
                    + k.getAlgorithm() + " (" + expected + ")");
        }
        byte[] serverNonce;
        try {
            serverNonce = Base64.getDecoder().decode(nonceText);
        } catch (IllegalArgumentException e) {
            throw new IOException(NAME + ": the server's challenge nonce is not valid base64");
        }
        if (serverNonce.length != NONCE_BYTES) {
            throw new IOException(NAME + ": the server's challenge nonce has " + serverNonce.length + " bytes, expected " + NONCE_BYTES);
        }
        byte[] agentNonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(agentNonce);
        byte[] signature;
        try {
            Signature s = signature(scheme);
            s.initSign(k, RANDOM);
            s.update(serverNonce);
            s.update(agentNonce);
            signature = s.sign();
        } catch (GeneralSecurityException e) {
            throw new IOException(NAME + ": cannot sign the challenge with " + privateKeyPath + ": " + e.getMessage(), e);
        }
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("nonce", Base64.getEncoder().encodeToString(agentNonce));
        a.put("signature", Base64.getEncoder().encodeToString(signature));
        return JSONObjectUtils.toJSONString(a).getBytes(StandardCharsets.UTF_8);
    }

    private static Signature signature(String scheme) throws GeneralSecurityException {
        if (scheme.equals(ECDSA)) {
            return Signature.getInstance("SHA256withECDSA", Crypto.PROVIDER);
        }
        Signature s = Signature.getInstance("RSASSA-PSS", Crypto.PROVIDER);
        s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        return s;
    }

    private static List<X509Certificate> certificates(String key, Path file) throws IOException {
        String pem = read(key, file);
        try {
            return Pem.decodeCertificates(pem);
        } catch (IllegalArgumentException e) {
            throw new IOException(NAME + ": " + key + " " + file + ": " + e.getMessage());
        }
    }

    /** Reads a PKCS#8 ({@code PRIVATE KEY}), SEC 1 ({@code EC PRIVATE KEY}) or PKCS#1 ({@code RSA PRIVATE KEY}) PEM key. */
    private PrivateKey privateKey() throws IOException {
        String pem = read("private_key_path", privateKeyPath);
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter().setProvider(Crypto.PROVIDER);
            Object o;
            while ((o = p.readObject()) != null) {
                if (o instanceof PEMKeyPair kp) {
                    return conv.getPrivateKey(kp.getPrivateKeyInfo());
                }
                if (o instanceof PrivateKeyInfo info) {
                    return conv.getPrivateKey(info);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException(NAME + ": private_key_path " + privateKeyPath + " is not a readable PEM private key: " + e.getMessage());
        }
        throw new IOException(NAME + ": private_key_path " + privateKeyPath + " holds no unencrypted PEM private key (PRIVATE KEY,"
                + " EC PRIVATE KEY or RSA PRIVATE KEY)");
    }

    private static String read(String key, Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException(NAME + ": " + key + " " + file + " does not exist");
        } catch (IOException | RuntimeException e) {
            throw new IOException(NAME + ": cannot read " + key + " " + file + ": " + e.getMessage());
        }
    }
}
