package dev.signet.server.attestation.x509pop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Pem;
import dev.signet.server.attestation.AttestationResult;
import dev.signet.server.attestation.NodeAttestor;
import dev.signet.server.attestation.NodeAttestor.AttestationFailure;
import dev.signet.server.attestation.NodeAttestor.Reason;
import dev.signet.server.attestation.x509pop.TestPki.Issued;
import dev.signet.testing.ManualClock;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The x509pop attestor on its own: chain verification at the clock's instant, the limits, the proof of
 * possession (answers made here with the JDK's default providers, independently of the attestor's code),
 * the agent ID, the selectors and the configuration.
 */
class X509PopAttestorTest {
    private static final TrustDomain TD = new TrustDomain("td");
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private static Issued root;
    private static Issued intermediate;
    private static Issued otherRoot;

    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(NOW);

    @BeforeAll
    static void pki() {
        root = TestPki.rootCa("Node Root", NOW.minus(Duration.ofDays(30)), NOW.plus(Duration.ofDays(3650)));
        intermediate = TestPki.intermediate(root, "Node Issuing CA", NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(365)));
        otherRoot = TestPki.rootCa("Node Root", NOW.minus(Duration.ofDays(30)), NOW.plus(Duration.ofDays(3650))); // same name, other key
    }

    // ---- helpers ----

    private X509PopAttestor attestor(String extraConfig, X509Certificate... cas) throws Exception {
        Path bundle = dir.resolve("ca-" + System.nanoTime() + ".pem");
        Files.writeString(bundle, Pem.encodeCertificates(List.of(cas)));
        return X509PopAttestor.fromConfig(TD, block("ca_bundle_path = \"" + bundle + "\"\n" + extraConfig), clock);
    }

    private X509PopAttestor attestor() throws Exception {
        return attestor("", root.cert());
    }

    private static ConfigBlock block(String body) {
        return ConfigBlock.parse("test.hcl", "node_attestor \"x509pop\" {\n" + body + "\n}\n").block("node_attestor").block("x509pop");
    }

    /** A session that answers each challenge with {@code answerer} and records the challenges. */
    static final class TestSession implements NodeAttestor.Session {
        final List<byte[]> challenges = new ArrayList<>();
        final List<byte[]> answers = new ArrayList<>();
        private final UnaryOperator<byte[]> answerer;
        private final InetAddress peer;

        TestSession(UnaryOperator<byte[]> answerer, InetAddress peer) {
            this.answerer = answerer;
            this.peer = peer;
        }

        static TestSession signingWith(PrivateKey key) {
            return new TestSession(c -> TestPki.answer(c, key), null);
        }

        @Override
        public byte[] challenge(byte[] challenge) {
            challenges.add(challenge);
            byte[] a = answerer.apply(challenge);
            answers.add(a);
            return a;
        }

        @Override
        public Optional<InetAddress> peerAddress() {
            return Optional.ofNullable(peer);
        }
    }

    private static String sha1Hex(X509Certificate c) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(c.getEncoded()));
    }

    private static AttestationFailure refusal(NodeAttestor a, byte[] payload, NodeAttestor.Session s) {
        AttestationFailure f = catchThrowableOfType(AttestationFailure.class, () -> a.attest(payload, s));
        assertThat(f).as("attestation was expected to be refused").isNotNull();
        assertThat(f.getMessage()).startsWith("x509pop: ");
        return f;
    }

    private static void assertRefused(AttestationFailure f, Reason reason, String contains) {
        assertThat(f.reason()).as("%s", f.getMessage()).isEqualTo(reason);
        assertThat(f.getMessage()).contains(contains);
    }

    // ---- chain verification ----

    @Test
    void goodChainThroughAnIntermediateYieldsAgentIdAndSelectors() throws Exception {
        Issued leaf = TestPki.leaf(intermediate, "node-1.example").serial(new BigInteger("0a1b2c", 16))
                .uri("x509pop://td/rack/r12").uri("x509pop://td/role/db/primary").uri("x509pop://other.td/role/evil")
                .uri("x509pop://td/lonely").uri("spiffe://td/role/nope").dns("node-1.example").issue();
        TestSession session = TestSession.signingWith(leaf.key().getPrivate());

        AttestationResult r = attestor().attest(TestPki.payload(leaf.cert(), intermediate.cert()), session);

        assertThat(r.attestor()).isEqualTo("x509pop");
        assertThat(r.agentId().toString()).isEqualTo("spiffe://td/signet/agent/x509pop/" + sha1Hex(leaf.cert()));
        assertThat(r.reattestable()).isTrue();
        assertThat(r.selectors()).extracting(Selector::toString).containsExactlyInAnyOrder(
                "x509pop:ca:fingerprint:" + sha1Hex(intermediate.cert()),
                "x509pop:ca:fingerprint:" + sha1Hex(root.cert()),
                "x509pop:dns:node-1.example",
                "x509pop:san:rack:r12",
                "x509pop:san:role:db/primary",
                "x509pop:serialnumber:0a1b2c",
                "x509pop:subject:cn:node-1.example");
        assertThat(session.challenges).hasSize(1);
    }

    @Test
    void leafIssuedDirectlyByTheRootAndAnRsaKeyWork() throws Exception {
        Issued leaf = TestPki.leaf(root, "rsa-node").keyType(Crypto.KeyType.RSA_2048).serial(BigInteger.valueOf(0x80)).issue();

        AttestationResult r = attestor().attest(TestPki.payload(leaf.cert()), TestSession.signingWith(leaf.key().getPrivate()));

        assertThat(r.selectors()).extracting(Selector::toString).containsExactly(
                "x509pop:ca:fingerprint:" + sha1Hex(root.cert()), "x509pop:serialnumber:80", "x509pop:subject:cn:rsa-node");
    }

    @Test
    void intermediatesMayComeInAnyOrderAndUnusedOnesAreNotSelectors() throws Exception {
        Issued second = TestPki.intermediate(intermediate, "Second Level", NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(30)));
        Issued unrelated = TestPki.intermediate(otherRoot, "Unrelated", NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(30)));
        Issued leaf = TestPki.leaf(second, "deep").issue();

        AttestationResult r = attestor().attest(TestPki.payload(leaf.cert(), intermediate.cert(), unrelated.cert(), second.cert()),
                TestSession.signingWith(leaf.key().getPrivate()));

        assertThat(r.selectors()).extracting(Selector::value).filteredOn(v -> v.startsWith("ca:")).containsExactlyInAnyOrder(
                "ca:fingerprint:" + sha1Hex(second.cert()), "ca:fingerprint:" + sha1Hex(intermediate.cert()),
                "ca:fingerprint:" + sha1Hex(root.cert()));
    }

    @Test
    void chainToAnotherCaIsRefusedWithoutAChallenge() throws Exception {
        Issued leaf = TestPki.leaf(otherRoot, "node-1").issue();
        TestSession session = TestSession.signingWith(leaf.key().getPrivate());

        assertRefused(refusal(attestor(), TestPki.payload(leaf.cert()), session), Reason.DENIED, "does not chain to a configured CA");
        assertThat(session.challenges).isEmpty();
    }

    @Test
    void missingIntermediateIsRefused() throws Exception {
        Issued leaf = TestPki.leaf(intermediate, "node-1").issue();

        assertRefused(refusal(attestor(), TestPki.payload(leaf.cert()), TestSession.signingWith(leaf.key().getPrivate())), Reason.DENIED,
                "does not chain to a configured CA");
    }

    @Test
    void leafIsCheckedAtTheClocksInstant() throws Exception {
        Instant notAfter = NOW.plus(Duration.ofHours(2));
        Issued leaf = TestPki.leaf(intermediate, "node-1").validity(NOW.plus(Duration.ofHours(1)), notAfter).issue();
        X509PopAttestor a = attestor();
        byte[] p = TestPki.payload(leaf.cert(), intermediate.cert());

        assertRefused(refusal(a, p, TestSession.signingWith(leaf.key().getPrivate())), Reason.DENIED,
                "not valid before " + NOW.plus(Duration.ofHours(1)));

        clock.set(NOW.plus(Duration.ofMinutes(90)));
        assertThat(a.attest(p, TestSession.signingWith(leaf.key().getPrivate())).agentId().toString()).endsWith(sha1Hex(leaf.cert()));

        clock.set(notAfter.plusSeconds(1));
        assertRefused(refusal(a, p, TestSession.signingWith(leaf.key().getPrivate())), Reason.DENIED, "expired at " + notAfter);
    }

    @Test
    void expiredIntermediateIsRefusedAtTheClocksInstant() throws Exception {
        Issued shortLived = TestPki.intermediate(root, "Short CA", NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofHours(1)));
        Issued leaf = TestPki.leaf(shortLived, "node-1").validity(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofDays(1))).issue();
        X509PopAttestor a = attestor();
        byte[] p = TestPki.payload(leaf.cert(), shortLived.cert());
        a.attest(p, TestSession.signingWith(leaf.key().getPrivate()));

        clock.advance(Duration.ofHours(2));

        assertRefused(refusal(a, p, TestSession.signingWith(leaf.key().getPrivate())), Reason.DENIED, "does not chain to a configured CA");
    }

    @Test
    void leafWithoutDigitalSignatureIsRefused() throws Exception {
        Issued noUsage = TestPki.leaf(root, "n1").keyUsage(KeyUsage.keyEncipherment).issue();
        Issued noExtension = TestPki.leaf(root, "n2").keyUsage(0).issue();

        assertRefused(refusal(attestor(), TestPki.payload(noUsage.cert()), TestSession.signingWith(noUsage.key().getPrivate())), Reason.DENIED,
                "lacks key usage digitalSignature");
        assertRefused(refusal(attestor(), TestPki.payload(noExtension.cert()), TestSession.signingWith(noExtension.key().getPrivate())),
                Reason.DENIED, "lacks key usage digitalSignature");
    }

    @Test
    void tooManyIntermediatesAreRefused() throws Exception {
        Issued i2 = TestPki.intermediate(intermediate, "I2", NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(30)));
        Issued i3 = TestPki.intermediate(i2, "I3", NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(30)));
        Issued leaf = TestPki.leaf(i3, "deep").issue();
        byte[] p = TestPki.payload(leaf.cert(), i3.cert(), i2.cert(), intermediate.cert());

        X509PopAttestor three = attestor("max_intermediates = 3", root.cert());
        assertThat(three.attest(p, TestSession.signingWith(leaf.key().getPrivate())).agentId()).isNotNull();

        X509PopAttestor two = attestor("max_intermediates = 2", root.cert());
        assertRefused(refusal(two, p, TestSession.signingWith(leaf.key().getPrivate())), Reason.DENIED,
                "the chain has 3 intermediate certificates; at most 2 are allowed (max_intermediates)");
        // Leaving an intermediate out does not help: no path to the root exists without it.
        assertRefused(refusal(two, TestPki.payload(leaf.cert(), i3.cert(), i2.cert()), TestSession.signingWith(leaf.key().getPrivate())),
                Reason.DENIED, "does not chain to a configured CA");
    }

    @Test
    void oversizedRsaKeyIsRefusedBeforeAnyPathBuilding() throws Exception {
        // A public key is all a certificate needs: a 8200-bit modulus without generating its private key.
        BigInteger modulus = new BigInteger(8200, new SecureRandom()).setBit(8199).setBit(0);
        var pub = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(modulus, BigInteger.valueOf(65537)));
        KeyPair fake = new KeyPair(pub, Crypto.generate(Crypto.KeyType.EC_P256).getPrivate());
        Issued leaf = TestPki.leaf(root, "huge").key(fake).issue();

        assertRefused(refusal(attestor(), TestPki.payload(leaf.cert()), TestSession.signingWith(fake.getPrivate())), Reason.DENIED,
                "8200-bit RSA key; at most 8192 bits are allowed");
    }

    @Test
    void malformedPayloadsAreInvalid() throws Exception {
        X509PopAttestor a = attestor();
        TestSession s = new TestSession(c -> {
            throw new AssertionError("no challenge expected");
        }, null);
        assertRefused(refusal(a, new byte[0], s), Reason.INVALID, "payload is empty");
        assertRefused(refusal(a, "not json".getBytes(StandardCharsets.UTF_8), s), Reason.INVALID, "payload is not a JSON object");
        assertRefused(refusal(a, "{}".getBytes(StandardCharsets.UTF_8), s), Reason.INVALID, "no \"certificates\" array");
        assertRefused(refusal(a, "{\"certificates\":[]}".getBytes(StandardCharsets.UTF_8), s), Reason.INVALID, "no certificate");
        assertRefused(refusal(a, "{\"certificates\":[42]}".getBytes(StandardCharsets.UTF_8), s), Reason.INVALID,
                "certificates[0] is not a base64 string");
        assertRefused(refusal(a, "{\"certificates\":[\"%%%\"]}".getBytes(StandardCharsets.UTF_8), s), Reason.INVALID,
                "certificates[0] is not valid base64");
        assertRefused(refusal(a, "{\"certificates\":[\"MAMCAQA=\"]}".getBytes(StandardCharsets.UTF_8), s), Reason.INVALID,
                "certificates[0] is not a DER X.509 certificate");
        String pemAsBase64 = Base64.getEncoder().encodeToString(Pem.encodeCertificates(List.of(root.cert())).getBytes(StandardCharsets.US_ASCII));
        assertRefused(refusal(a, ("{\"certificates\":[\"" + pemAsBase64 + "\"]}").getBytes(StandardCharsets.UTF_8), s), Reason.INVALID,
                "certificates[0] is not a DER X.509 certificate");
        assertThat(s.challenges).isEmpty();
    }

    // ---- proof of possession ----

    @Test
    void challengeNamesTheSchemeAndCarriesAFresh32ByteNonce() throws Exception {
        Issued leaf = TestPki.leaf(root, "n").issue();
        TestSession s = TestSession.signingWith(leaf.key().getPrivate());
        X509PopAttestor a = attestor();
        a.attest(TestPki.payload(leaf.cert()), s);
        a.attest(TestPki.payload(leaf.cert()), s);

        Map<String, Object> c1 = JSONObjectUtils.parse(new String(s.challenges.get(0), StandardCharsets.UTF_8));
        Map<String, Object> c2 = JSONObjectUtils.parse(new String(s.challenges.get(1), StandardCharsets.UTF_8));
        assertThat(c1.keySet()).containsExactlyInAnyOrder("scheme", "nonce");
        assertThat(c1.get("scheme")).isEqualTo("ecdsa-sha256");
        assertThat(Base64.getDecoder().decode((String) c1.get("nonce"))).hasSize(32);
        assertThat(c2.get("nonce")).isNotEqualTo(c1.get("nonce"));
    }

    @Test
    void signatureWithAnotherKeyIsDenied() throws Exception {
        Issued leaf = TestPki.leaf(root, "n").issue();
        KeyPair other = Crypto.generate(Crypto.KeyType.EC_P256);

        assertRefused(refusal(attestor(), TestPki.payload(leaf.cert()), TestSession.signingWith(other.getPrivate())), Reason.DENIED,
                "proof of possession failed");
    }

    @Test
    void rsaCertificateAnsweredWithPkcs1InsteadOfPssIsDenied() throws Exception {
        Issued leaf = TestPki.leaf(root, "n").keyType(Crypto.KeyType.RSA_2048).issue();
        TestSession s = new TestSession(c -> {
            try {
                byte[] good = TestPki.answer(c, leaf.key().getPrivate());
                Map<String, Object> a = JSONObjectUtils.parse(new String(good, StandardCharsets.UTF_8));
                byte[] serverNonce = Base64.getDecoder().decode((String) JSONObjectUtils.parse(new String(c, StandardCharsets.UTF_8)).get("nonce"));
                Signature pkcs1 = Signature.getInstance("SHA256withRSA");
                pkcs1.initSign(leaf.key().getPrivate());
                pkcs1.update(serverNonce);
                pkcs1.update(Base64.getDecoder().decode((String) a.get("nonce")));
                a.put("signature", Base64.getEncoder().encodeToString(pkcs1.sign()));
                return JSONObjectUtils.toJSONString(a).getBytes(StandardCharsets.UTF_8);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, null);

        assertRefused(refusal(attestor(), TestPki.payload(leaf.cert()), s), Reason.DENIED, "proof of possession failed");
    }

    @Test
    void replayedAnswerToAnEarlierNonceIsDenied() throws Exception {
        Issued leaf = TestPki.leaf(root, "n").issue();
        X509PopAttestor a = attestor();
        TestSession honest = TestSession.signingWith(leaf.key().getPrivate());
        a.attest(TestPki.payload(leaf.cert()), honest);
        byte[] recorded = honest.answers.get(0);

        TestSession replayer = new TestSession(c -> recorded, null);
        assertRefused(refusal(a, TestPki.payload(leaf.cert()), replayer), Reason.DENIED, "proof of possession failed");
    }

    @Test
    void malformedAnswersAreInvalid() throws Exception {
        Issued leaf = TestPki.leaf(root, "n").issue();
        X509PopAttestor a = attestor();
        byte[] p = TestPki.payload(leaf.cert());
        PrivateKey k = leaf.key().getPrivate();

        assertRefused(refusal(a, p, new TestSession(c -> {
            byte[] good = TestPki.answer(c, k);
            return java.util.Arrays.copyOf(good, good.length / 2);
        }, null)), Reason.INVALID, "challenge response is not a JSON object");
        assertRefused(refusal(a, p, new TestSession(c -> new byte[0], null)), Reason.INVALID, "challenge response is not a JSON object");
        assertRefused(refusal(a, p, new TestSession(c -> "{\"nonce\":\"AAAA\"}".getBytes(StandardCharsets.UTF_8), null)),
                Reason.INVALID, "no \"signature\" string");
        assertRefused(refusal(a, p, new TestSession(c -> withField(TestPki.answer(c, k), "nonce", new byte[16]), null)), Reason.INVALID,
                "nonce has 16 bytes, expected 32");
        assertRefused(refusal(a, p, new TestSession(c -> withField(TestPki.answer(c, k), "signature", new byte[0]), null)), Reason.INVALID,
                "signature is empty");
        assertRefused(refusal(a, p, new TestSession(c -> new byte[5000], null)), Reason.INVALID, "larger than 4096 bytes");
    }

    @Test
    void truncatedSignatureIsDenied() throws Exception {
        Issued leaf = TestPki.leaf(root, "n").issue();
        TestSession s = new TestSession(c -> {
            byte[] good = TestPki.answer(c, leaf.key().getPrivate());
            try {
                byte[] sig = Base64.getDecoder().decode((String) JSONObjectUtils.parse(new String(good, StandardCharsets.UTF_8)).get("signature"));
                return withField(good, "signature", java.util.Arrays.copyOf(sig, sig.length - 3));
            } catch (java.text.ParseException e) {
                throw new IllegalStateException(e);
            }
        }, null);

        assertRefused(refusal(attestor(), TestPki.payload(leaf.cert()), s), Reason.DENIED, "proof of possession failed");
    }

    private static byte[] withField(byte[] json, String key, byte[] value) {
        try {
            Map<String, Object> m = JSONObjectUtils.parse(new String(json, StandardCharsets.UTF_8));
            m.put(key, Base64.getEncoder().encodeToString(value));
            return JSONObjectUtils.toJSONString(m).getBytes(StandardCharsets.UTF_8);
        } catch (java.text.ParseException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- client IP, agent ID template ----

    @Test
    void verifyClientIpRequiresThePeerAmongTheIpSans() throws Exception {
        Issued leaf = TestPki.leaf(root, "n").ip("10.1.2.3").ip("2001:db8::7").issue();
        X509PopAttestor a = attestor("verify_client_ip = true", root.cert());
        byte[] p = TestPki.payload(leaf.cert());
        UnaryOperator<byte[]> sign = c -> TestPki.answer(c, leaf.key().getPrivate());

        assertThat(a.attest(p, new TestSession(sign, InetAddress.getByName("10.1.2.3"))).agentId()).isNotNull();
        assertThat(a.attest(p, new TestSession(sign, InetAddress.getByName("2001:db8:0:0::7"))).agentId()).isNotNull();
        assertRefused(refusal(a, p, new TestSession(sign, InetAddress.getByName("10.1.2.4"))), Reason.DENIED,
                "the agent's address 10.1.2.4 is not among the certificate's IP SANs");
        assertRefused(refusal(a, p, new TestSession(sign, null)), Reason.DENIED, "agent's address is unknown");
        // Off by default.
        assertThat(attestor().attest(p, new TestSession(sign, InetAddress.getByName("10.9.9.9"))).agentId()).isNotNull();
    }

    @Test
    void agentPathTemplateRendersCertificateFields() throws Exception {
        Issued leaf = TestPki.leaf(root, "node-7.dc1").serial(new BigInteger("ff01", 16)).issue();
        X509PopAttestor a = attestor("agent_path_template = \"nodes/{{subject.cn}}/{{ serialnumber }}/{{fingerprint}}\"", root.cert());

        AttestationResult r = a.attest(TestPki.payload(leaf.cert()), TestSession.signingWith(leaf.key().getPrivate()));

        assertThat(r.agentId().toString()).isEqualTo("spiffe://td/signet/agent/x509pop/nodes/node-7.dc1/ff01/" + sha1Hex(leaf.cert()));
    }

    @Test
    void agentPathTemplateRefusesCertificatesWhoseValuesDoNotFitAPath() throws Exception {
        X509PopAttestor a = attestor("agent_path_template = \"{{subject.cn}}\"", root.cert());
        Issued spaced = TestPki.leaf(root, "node 7").issue();
        Issued dotdot = TestPki.leaf(root, "..").issue();
        Issued noCn = TestPki.leaf(root, null).issue();

        assertRefused(refusal(a, TestPki.payload(spaced.cert()), TestSession.signingWith(spaced.key().getPrivate())), Reason.DENIED,
                "gives \"node 7\" for this certificate, which is not a valid SPIFFE ID path");
        assertRefused(refusal(a, TestPki.payload(dotdot.cert()), TestSession.signingWith(dotdot.key().getPrivate())), Reason.DENIED,
                "'.' or '..'");
        assertRefused(refusal(a, TestPki.payload(noCn.cert()), TestSession.signingWith(noCn.key().getPrivate())), Reason.DENIED,
                "the certificate's subject has no common name");
    }

    // ---- configuration ----

    @Test
    void configurationErrorsNameTheKey() throws Exception {
        Path pem = dir.resolve("ca.pem");
        Files.writeString(pem, Pem.encodeCertificates(List.of(root.cert())));
        Path notPem = dir.resolve("garbage.pem");
        Files.writeString(notPem, "hello");

        assertThatThrownBy(() -> X509PopAttestor.fromConfig(TD, block(""), clock)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("node_attestor.x509pop.ca_bundle_path: is required");
        assertThatThrownBy(() -> X509PopAttestor.fromConfig(TD, block("ca_bundle_path = \"" + dir.resolve("missing.pem") + "\""), clock))
                .hasMessageContaining("node_attestor.x509pop.ca_bundle_path: file " + dir.resolve("missing.pem") + " does not exist");
        assertThatThrownBy(() -> X509PopAttestor.fromConfig(TD, block("ca_bundle_path = \"" + notPem + "\""), clock))
                .hasMessageContaining("node_attestor.x509pop.ca_bundle_path: " + notPem + ": no PEM CERTIFICATE block found");
        assertThatThrownBy(() -> X509PopAttestor.fromConfig(TD,
                block("ca_bundle_path = \"" + pem + "\"\nca_bundle_paths = [\"" + pem + "\"]"), clock))
                .hasMessageContaining("node_attestor.x509pop.ca_bundle_paths: set either ca_bundle_path or ca_bundle_paths, not both");
        assertThatThrownBy(() -> X509PopAttestor.fromConfig(TD, block("ca_bundle_path = \"" + pem + "\"\nmax_intermediates = -1"), clock))
                .hasMessageContaining("node_attestor.x509pop.max_intermediates: must be between 0 and 16");
        assertThatThrownBy(() -> X509PopAttestor.fromConfig(TD, block("ca_bundle_path = \"" + pem + "\"\nagent_path_template = \"{{subject.o}}\""), clock))
                .hasMessageContaining("node_attestor.x509pop.agent_path_template: unknown placeholder {{subject.o}}");
        assertThatThrownBy(() -> X509PopAttestor.fromConfig(TD, block("ca_bundle_path = \"" + pem + "\"\nagent_path_template = \"a b/{{fingerprint}}\""), clock))
                .hasMessageContaining("node_attestor.x509pop.agent_path_template: \"a b/{{fingerprint}}\" does not make a valid SPIFFE ID path");
        assertThatThrownBy(() -> X509PopAttestor.fromConfig(TD, block("ca_bundle_path = \"" + pem + "\"\nca_bundel = 1"), clock))
                .hasMessageContaining("node_attestor.x509pop.ca_bundel: unknown configuration key");
    }

    @Test
    void severalBundleFilesAreAllTrusted() throws Exception {
        Path a = dir.resolve("a.pem");
        Path b = dir.resolve("b.pem");
        Files.writeString(a, Pem.encodeCertificates(List.of(root.cert())));
        Files.writeString(b, Pem.encodeCertificates(List.of(otherRoot.cert())));
        X509PopAttestor att = X509PopAttestor.fromConfig(TD, block("ca_bundle_paths = [\"" + a + "\", \"" + b + "\"]"), clock);
        Issued fromA = TestPki.leaf(root, "a").issue();
        Issued fromB = TestPki.leaf(otherRoot, "b").issue();

        assertThat(att.attest(TestPki.payload(fromA.cert()), TestSession.signingWith(fromA.key().getPrivate())).selectors())
                .contains(new Selector("x509pop", "ca:fingerprint:" + sha1Hex(root.cert())));
        assertThat(att.attest(TestPki.payload(fromB.cert()), TestSession.signingWith(fromB.key().getPrivate())).selectors())
                .contains(new Selector("x509pop", "ca:fingerprint:" + sha1Hex(otherRoot.cert())));
    }
}
