package dev.signet.core.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.util.List;
import java.util.Random;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

/**
 * The CSR reader ({@link Csrs#verifiedKeyInfo}) walks the DER in place; these tests hold it to BouncyCastle's
 * PKCS10CertificationRequest parse plus a signature check over the re-encoded CertificationRequestInfo (how CSRs were
 * read before): on valid CSRs of every accepted kind, and on thousands of corrupted ones, where both must agree on
 * accept/refuse and the refusal must be an IllegalArgumentException naming the problem.
 */
class CsrsTest {
    private static final List<Crypto.KeyType> TYPES = List.of(Crypto.KeyType.EC_P256, Crypto.KeyType.EC_P384, Crypto.KeyType.RSA_2048);

    /** A CSR with a subject and an extensionRequest attribute, as other tools send them. */
    private static byte[] richCsr(KeyPair kp, String signatureAlgorithm) throws Exception {
        Extensions ext = new Extensions(new Extension(Extension.subjectAlternativeName, false,
                new DEROctetString(new GeneralNames(new GeneralName(GeneralName.dNSName, "x.example.org")).getEncoded(ASN1Encoding.DER))));
        return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=workload,O=Example"), kp.getPublic())
                .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext)
                .build(new JcaContentSignerBuilder(signatureAlgorithm).setProvider(Crypto.PROVIDER).build(kp.getPrivate()))
                .getEncoded();
    }

    /** Whether the CSR is accepted the way it was before the in-place reader (BouncyCastle parse, DER re-encoding). */
    private static boolean referenceAccepts(byte[] der) {
        try {
            PKCS10CertificationRequest csr = new PKCS10CertificationRequest(der);
            SubjectPublicKeyInfo spki = csr.getSubjectPublicKeyInfo();
            String alg = switch (csr.getSignatureAlgorithm().getAlgorithm().getId()) {
                case "1.2.840.10045.4.3.2" -> "SHA256withECDSA";
                case "1.2.840.10045.4.3.3" -> "SHA384withECDSA";
                case "1.2.840.10045.4.3.4" -> "SHA512withECDSA";
                case "1.2.840.113549.1.1.11" -> "SHA256withRSA";
                case "1.2.840.113549.1.1.12" -> "SHA384withRSA";
                case "1.2.840.113549.1.1.13" -> "SHA512withRSA";
                default -> null;
            };
            if (alg == null) {
                return false;
            }
            String keyAlg = spki.getAlgorithm().getAlgorithm().getId().equals("1.2.840.10045.2.1") ? "EC"
                    : spki.getAlgorithm().getAlgorithm().getId().equals("1.2.840.113549.1.1.1") ? "RSA" : null;
            if (keyAlg == null || !alg.endsWith(keyAlg.equals("EC") ? "ECDSA" : "RSA")) {
                return false;
            }
            PublicKey key = SigningProvider.bouncyCastle().publicKey(keyAlg, spki.getEncoded(ASN1Encoding.DER));
            Signature v = Signature.getInstance(alg, Crypto.PROVIDER);
            v.initVerify(key);
            v.update(csr.toASN1Structure().getCertificationRequestInfo().getEncoded(ASN1Encoding.DER));
            return v.verify(csr.getSignature());
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void validCsrsOfEveryKindAreAcceptedWithTheirKeyAsSent() throws Exception {
        for (SigningProvider p : List.of(SigningProvider.select(SigningProvider.Choice.AUTO), SigningProvider.bouncyCastle())) {
            for (Crypto.KeyType type : TYPES) {
                KeyPair kp = Crypto.generate(type);
                List<String> algs = type == Crypto.KeyType.RSA_2048 ? List.of("SHA256withRSA", "SHA384withRSA", "SHA512withRSA")
                        : List.of("SHA256withECDSA", "SHA384withECDSA", "SHA512withECDSA");
                List<byte[]> csrs = new java.util.ArrayList<>();
                csrs.add(Csrs.create(kp));
                for (String alg : algs) {
                    csrs.add(richCsr(kp, alg));
                }
                for (byte[] csr : csrs) {
                    assertThat(referenceAccepts(csr)).isTrue();
                    SubjectPublicKeyInfo info = Csrs.verifiedKeyInfo(csr, p);
                    assertThat(info.getEncoded(ASN1Encoding.DER)).as(type + " " + p).isEqualTo(kp.getPublic().getEncoded());
                    PublicKey key = Csrs.verifiedPublicKey(csr, p);
                    assertThat(key.getEncoded()).isEqualTo(kp.getPublic().getEncoded());
                    assertThat(p.owns(key)).isTrue();
                }
            }
        }
    }

    @Test
    void corruptedCsrsAreRefusedExactlyWhenTheReferenceRefusesThem() throws Exception {
        Random random = new Random(20261204L);
        SigningProvider p = SigningProvider.select(SigningProvider.Choice.AUTO);
        List<byte[]> originals = new java.util.ArrayList<>();
        for (Crypto.KeyType type : TYPES) {
            KeyPair kp = Crypto.generate(type);
            originals.add(Csrs.create(kp));
            originals.add(richCsr(kp, type == Crypto.KeyType.RSA_2048 ? "SHA256withRSA" : "SHA256withECDSA"));
        }
        int refused = 0;
        for (int n = 0; n < 3000; n++) {
            byte[] original = originals.get(random.nextInt(originals.size()));
            byte[] csr = mutate(original, random);
            boolean expected = referenceAccepts(csr);
            boolean actual;
            try {
                Csrs.verifiedKeyInfo(csr, p);
                actual = true;
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).matches("(?s)(malformed CSR: .+|CSR signature is invalid)");
                actual = false;
            }
            assertThat(actual).as("case " + n + ": " + java.util.HexFormat.of().formatHex(csr)).isEqualTo(expected);
            refused += actual ? 0 : 1;
        }
        assertThat(refused).as("corrupted CSRs refused").isGreaterThan(2500);
    }

    private static byte[] mutate(byte[] in, Random random) {
        switch (random.nextInt(5)) {
            case 0 -> { // flip one bit
                byte[] out = in.clone();
                out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
                return out;
            }
            case 1 -> { // set one byte to a value that matters to DER
                byte[] out = in.clone();
                out[random.nextInt(Math.min(out.length, 40))] = (byte) List.of(0x00, 0x80, 0x81, 0x82, 0x84, 0x85, 0xFF, 0x30, 0xA0).get(random.nextInt(9)).intValue();
                return out;
            }
            case 2 -> { // truncate
                return java.util.Arrays.copyOf(in, random.nextInt(in.length));
            }
            case 3 -> { // trailing bytes
                byte[] out = java.util.Arrays.copyOf(in, in.length + 1 + random.nextInt(3));
                return out;
            }
            default -> { // a header byte near the front changed by one
                byte[] out = in.clone();
                int i = random.nextInt(Math.min(out.length, 12));
                out[i] += random.nextBoolean() ? 1 : -1;
                return out;
            }
        }
    }

    @Test
    void malformedCsrsAreRefusedNamingWhatIsWrong() throws Exception {
        byte[] csr = Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256));
        SigningProvider p = SigningProvider.bouncyCastle();
        byte[] trailing = java.util.Arrays.copyOf(csr, csr.length + 2);
        assertThatThrownBy(() -> Csrs.verifiedKeyInfo(trailing, p)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("malformed CSR: 2 bytes after the CertificationRequest");
        byte[] indefinite = csr.clone();
        indefinite[1] = (byte) 0x80;
        assertThatThrownBy(() -> Csrs.verifiedKeyInfo(indefinite, p)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("malformed CSR: CertificationRequest: indefinite length");
        assertThatThrownBy(() -> Csrs.verifiedKeyInfo(new byte[] {0x31, 0x00}, p)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("malformed CSR: CertificationRequest: expected tag 0x30, found 0x31");
        assertThatThrownBy(() -> Csrs.verifiedKeyInfo(new byte[] {0x30, 0x00}, p)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("malformed CSR: CertificationRequestInfo missing");
        // version 1 instead of 0: the version INTEGER's value octet follows 30 8x.. 30 xx 02 01
        byte[] v1 = csr.clone();
        int i = indexOf(v1, new byte[] {0x02, 0x01, 0x00});
        v1[i + 2] = 1;
        assertThatThrownBy(() -> Csrs.verifiedKeyInfo(v1, p)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("malformed CSR: unsupported version (expected v1, 0)");
    }

    private static int indexOf(byte[] in, byte[] what) {
        for (int i = 0; i + what.length <= in.length; i++) {
            if (java.util.Arrays.equals(in, i, i + what.length, what, 0, what.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }
}
