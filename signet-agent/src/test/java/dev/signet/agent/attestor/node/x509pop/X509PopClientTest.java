package dev.signet.agent.attestor.node.x509pop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.signet.agent.attestor.node.NodeAttestorClient;
import dev.signet.agent.attestor.node.NodeAttestorClients;
import dev.signet.agent.config.AgentConfig;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Pem;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent side of x509pop: the payload it sends, its answers (verified here with the JDK's own providers, by
 * the documented protocol), the key-matches-certificate check and file errors that name the attestor and file.
 */
class X509PopClientTest {
    @TempDir
    Path dir;

    private static KeyPair caKey = Crypto.generate(Crypto.KeyType.EC_P256);
    private static X509Certificate ca = cert("CN=Test Root", caKey.getPublic(), "CN=Test Root", caKey, true);

    private static X509Certificate cert(String subject, PublicKey pub, String issuer, KeyPair issuerKey, boolean isCa) {
        try {
            Instant now = Instant.now();
            var b = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minusSeconds(60)),
                    Date.from(now.plusSeconds(3600)), new X500Name(subject), pub);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(isCa ? KeyUsage.keyCertSign : KeyUsage.digitalSignature));
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").setProvider(Crypto.PROVIDER).build(issuerKey.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** PEM as OpenSSL's traditional tools write it: EC PRIVATE KEY (SEC 1) or RSA PRIVATE KEY (PKCS#1). */
    private static String traditionalPem(KeyPair k) throws IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(k);
        }
        return sw.toString();
    }

    private record Node(Path key, Path cert, KeyPair keyPair, X509Certificate leaf) {}

    private Node node(String name, Crypto.KeyType type, boolean pkcs8) throws IOException {
        KeyPair k = Crypto.generate(type);
        X509Certificate leaf = cert("CN=" + name, k.getPublic(), "CN=Test Root", caKey, false);
        Path key = dir.resolve(name + ".key");
        Path cert = dir.resolve(name + ".pem");
        Files.writeString(key, pkcs8 ? Pem.encodePrivateKey(k.getPrivate()) : traditionalPem(k));
        Files.writeString(cert, Pem.encodeCertificates(List.of(leaf)));
        return new Node(key, cert, k, leaf);
    }

    private static List<byte[]> payloadCertificates(byte[] payload) throws Exception {
        Map<String, Object> m = JSONObjectUtils.parse(new String(payload, StandardCharsets.UTF_8));
        assertThat(m.keySet()).containsExactly("certificates");
        return JSONObjectUtils.getStringList(m, "certificates").stream().map(s -> Base64.getDecoder().decode(s)).toList();
    }

    private static byte[] challenge(String scheme, byte[] nonce) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scheme", scheme);
        m.put("nonce", Base64.getEncoder().encodeToString(nonce));
        return JSONObjectUtils.toJSONString(m).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] nonce() {
        byte[] n = new byte[32];
        new SecureRandom().nextBytes(n);
        return n;
    }

    /** Verifies an answer the way the protocol defines it, with the JDK's default providers. */
    private static boolean verifies(byte[] answer, byte[] serverNonce, PublicKey key) throws Exception {
        Map<String, Object> a = JSONObjectUtils.parse(new String(answer, StandardCharsets.UTF_8));
        assertThat(a.keySet()).containsExactlyInAnyOrder("nonce", "signature");
        byte[] agentNonce = Base64.getDecoder().decode((String) a.get("nonce"));
        assertThat(agentNonce).hasSize(32);
        Signature v;
        if (key.getAlgorithm().equals("EC")) {
            v = Signature.getInstance("SHA256withECDSA");
        } else {
            v = Signature.getInstance("RSASSA-PSS");
            v.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        }
        v.initVerify(key);
        v.update(serverNonce);
        v.update(agentNonce);
        return v.verify(Base64.getDecoder().decode((String) a.get("signature")));
    }

    @Test
    void payloadCarriesTheLeafThenIntermediatesAsDer() throws Exception {
        Node n = node("node-1", Crypto.KeyType.EC_P256, true);
        KeyPair i1Key = Crypto.generate(Crypto.KeyType.EC_P256);
        X509Certificate i1 = cert("CN=I1", i1Key.getPublic(), "CN=Test Root", caKey, true);
        X509Certificate i2 = cert("CN=I2", Crypto.generate(Crypto.KeyType.EC_P256).getPublic(), "CN=I1", i1Key, true);
        // certificate_path may carry the chain after the leaf; intermediates_path adds more.
        Files.writeString(n.cert(), Pem.encodeCertificates(List.of(n.leaf(), i1)));
        Path more = dir.resolve("intermediates.pem");
        Files.writeString(more, Pem.encodeCertificates(List.of(i2)));

        byte[] payload = new X509PopClient(n.key(), n.cert(), more).payload();

        assertThat(payloadCertificates(payload)).containsExactly(n.leaf().getEncoded(), i1.getEncoded(), i2.getEncoded());
    }

    @Test
    void answersEcdsaChallengesOverBothNonces() throws Exception {
        for (boolean pkcs8 : new boolean[] {true, false}) {
            Node n = node("ec-" + pkcs8, Crypto.KeyType.EC_P256, pkcs8);
            X509PopClient c = new X509PopClient(n.key(), n.cert(), null);
            c.payload();
            byte[] serverNonce = nonce();

            byte[] answer = c.answer(challenge("ecdsa-sha256", serverNonce));

            assertThat(verifies(answer, serverNonce, n.leaf().getPublicKey())).as("pkcs8=%s", pkcs8).isTrue();
            assertThat(verifies(answer, nonce(), n.leaf().getPublicKey())).as("bound to the server nonce").isFalse();
        }
    }

    @Test
    void answersRsaChallengesWithPss() throws Exception {
        Node n = node("rsa", Crypto.KeyType.RSA_2048, false); // RSA PRIVATE KEY (PKCS#1)
        X509PopClient c = new X509PopClient(n.key(), n.cert(), null);
        c.payload();
        byte[] serverNonce = nonce();

        byte[] a1 = c.answer(challenge("rsa-pss-sha256", serverNonce));
        byte[] a2 = c.answer(challenge("rsa-pss-sha256", serverNonce));

        assertThat(verifies(a1, serverNonce, n.leaf().getPublicKey())).isTrue();
        assertThat(JSONObjectUtils.parse(new String(a1, StandardCharsets.UTF_8)).get("nonce"))
                .as("a fresh agent nonce each time").isNotEqualTo(JSONObjectUtils.parse(new String(a2, StandardCharsets.UTF_8)).get("nonce"));
    }

    @Test
    void refusesChallengesItShouldNotSign() throws Exception {
        Node n = node("n", Crypto.KeyType.EC_P256, true);
        X509PopClient c = new X509PopClient(n.key(), n.cert(), null);
        assertThatThrownBy(() -> c.answer(challenge("ecdsa-sha256", nonce()))).isInstanceOf(IOException.class)
                .hasMessage("x509pop: the server sent a challenge before the payload was sent");
        c.payload();

        assertThatThrownBy(() -> c.answer(challenge("rsa-pss-sha256", nonce()))).isInstanceOf(IOException.class)
                .hasMessageStartingWith("x509pop: the server asked for a rsa-pss-sha256 signature");
        assertThatThrownBy(() -> c.answer(challenge("ecdsa-sha256", new byte[64]))).isInstanceOf(IOException.class)
                .hasMessage("x509pop: the server's challenge nonce has 64 bytes, expected 32");
        assertThatThrownBy(() -> c.answer("{\"scheme\":".getBytes(StandardCharsets.UTF_8))).isInstanceOf(IOException.class)
                .hasMessageStartingWith("x509pop: the server's challenge is not a JSON object");
        assertThatThrownBy(() -> c.answer("{}".getBytes(StandardCharsets.UTF_8))).isInstanceOf(IOException.class)
                .hasMessage("x509pop: the server's challenge lacks \"scheme\" or \"nonce\"");
    }

    @Test
    void keyThatDoesNotMatchTheCertificateIsRefused() throws Exception {
        Node a = node("a", Crypto.KeyType.EC_P256, true);
        Node b = node("b", Crypto.KeyType.EC_P256, true);

        assertThatThrownBy(() -> new X509PopClient(b.key(), a.cert(), null).payload()).isInstanceOf(IOException.class)
                .hasMessage("x509pop: the private key in " + b.key() + " does not belong to the certificate in " + a.cert()
                        + " (subject \"CN=a\")");
    }

    @Test
    void fileProblemsNameTheAttestorAndTheFile() throws Exception {
        Node n = node("n", Crypto.KeyType.EC_P256, true);
        Path missing = dir.resolve("missing.pem");
        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "not pem at all\n");
        Path certOnly = dir.resolve("cert-as-key.pem");
        Files.writeString(certOnly, Pem.encodeCertificates(List.of(n.leaf())));

        assertThatThrownBy(() -> new X509PopClient(n.key(), missing, null).payload())
                .hasMessage("x509pop: certificate_path " + missing + " does not exist");
        assertThatThrownBy(() -> new X509PopClient(missing, n.cert(), null).payload())
                .hasMessage("x509pop: private_key_path " + missing + " does not exist");
        assertThatThrownBy(() -> new X509PopClient(n.key(), n.cert(), missing).payload())
                .hasMessage("x509pop: intermediates_path " + missing + " does not exist");
        assertThatThrownBy(() -> new X509PopClient(n.key(), garbage, null).payload())
                .hasMessage("x509pop: certificate_path " + garbage + ": no PEM CERTIFICATE block found");
        assertThatThrownBy(() -> new X509PopClient(certOnly, n.cert(), null).payload())
                .hasMessageStartingWith("x509pop: private_key_path " + certOnly + " holds no unencrypted PEM private key");
        assertThatThrownBy(() -> new X509PopClient(garbage, n.cert(), null).payload())
                .hasMessageStartingWith("x509pop: private_key_path " + garbage + " holds no unencrypted PEM private key");
        assertThatThrownBy(() -> new X509PopClient(n.key(), dir, null).payload())
                .hasMessageStartingWith("x509pop: cannot read certificate_path " + dir);
    }

    @Test
    void filesAreReadAtEachAttestation() throws Exception {
        Node first = node("first", Crypto.KeyType.EC_P256, true);
        X509PopClient c = new X509PopClient(first.key(), first.cert(), null);
        assertThat(payloadCertificates(c.payload())).containsExactly(first.leaf().getEncoded());

        Node renewed = node("renewed", Crypto.KeyType.EC_P256, true);
        Files.move(renewed.key(), first.key(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(renewed.cert(), first.cert(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        assertThat(payloadCertificates(c.payload())).containsExactly(renewed.leaf().getEncoded());
        byte[] serverNonce = nonce();
        assertThat(verifies(c.answer(challenge("ecdsa-sha256", serverNonce)), serverNonce, renewed.leaf().getPublicKey())).isTrue();
    }

    @Test
    void configuredThroughTheAgentsNodeAttestorBlock() throws Exception {
        Node n = node("n", Crypto.KeyType.EC_P256, true);
        String hcl = """
                agent {
                  trust_domain = "td"
                  server_address = "127.0.0.1"
                }
                node_attestor "x509pop" {
                  private_key_path = "%s"
                  certificate_path = "%s"
                }
                """.formatted(n.key(), n.cert());
        AgentConfig config = AgentConfig.fromHcl(ConfigBlock.parse("agent.hcl", hcl), AgentConfig.Overrides.none());

        NodeAttestorClient client = NodeAttestorClients.create(config);

        assertThat(client).isInstanceOf(X509PopClient.class);
        assertThat(client.name()).isEqualTo("x509pop");
        assertThat(payloadCertificates(client.payload())).containsExactly(n.leaf().getEncoded());
    }

    @Test
    void configurationErrorsNameTheKey() {
        assertThatThrownBy(() -> X509PopClient.fromConfig(block("certificate_path = \"/c.pem\""))).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("node_attestor.x509pop.private_key_path: is required");
        assertThatThrownBy(() -> X509PopClient.fromConfig(block("private_key_path = \"/k.pem\""))).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("node_attestor.x509pop.certificate_path: is required");
        assertThatThrownBy(() -> X509PopClient.fromConfig(block("private_key_path = \"/k\"\ncertificate_path = \"/c\"\nintermediates_path = \"\"")))
                .hasMessageStartingWith("node_attestor.x509pop.intermediates_path: must not be empty");
        assertThatThrownBy(() -> X509PopClient.fromConfig(block("private_key_path = \"/k\"\ncertificate_path = \"/c\"\nca_bundle_path = \"/x\"")))
                .hasMessage("node_attestor.x509pop.ca_bundle_path: unknown configuration key");
    }

    private static ConfigBlock block(String body) {
        return ConfigBlock.parse("agent.hcl", "node_attestor \"x509pop\" {\n" + body + "\n}\n").block("node_attestor").block("x509pop");
    }
}
