package dev.signet.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Crypto;
import dev.signet.server.ca.SigningAuthority;
import dev.signet.server.ca.X509Profiles;
import java.io.IOException;
import java.security.KeyPair;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** Certificates and CSRs for the API tests, and the X509-SVID checks of spiffe-rules.md §1.B, done with the JDK. */
final class Pki {
    static final String EVIL_ID = "spiffe://td/evil";

    private Pki() {}

    /**
     * A CSR that asks for more than it may: subject CN=evil, a URI SAN {@code spiffe://td/evil}, a DNS SAN
     * {@code evil.example} and cA=true, all in a PKCS#9 extensionRequest. The server must ignore all of it.
     */
    static byte[] greedyCsr(KeyPair kp) {
        try {
            ExtensionsGenerator ext = new ExtensionsGenerator();
            ext.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.uniformResourceIdentifier, EVIL_ID),
                new GeneralName(GeneralName.dNSName, "evil.example")}));
            ext.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=evil,O=Evil Corp"), kp.getPublic())
                    .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").setProvider(Crypto.PROVIDER).build(kp.getPrivate()))
                    .getEncoded();
        } catch (IOException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A CA unrelated to the server's, for the same trust domain, and an agent-looking SVID it issued. */
    static List<X509Certificate> foreignAgentSvid(TrustDomain td, SpiffeId agentId, KeyPair agentKey) {
        KeyPair caKey = Crypto.generate(Crypto.KeyType.EC_P256);
        Instant now = Instant.now();
        X509Certificate ca = X509Profiles.selfSignedCa(td, caKey.getPublic(), caKey.getPrivate(), now.minusSeconds(60), now.plusSeconds(3600));
        X509Certificate leaf = X509Profiles.leaf(new SigningAuthority(caKey.getPrivate(), ca), agentId, agentKey.getPublic(),
                List.of(), now, now.plusSeconds(600));
        return List.of(leaf);
    }

    /** A leaf signed by {@code issuer} whose SAN holds every URI given (X-2: more than one is invalid). */
    static X509Certificate leafWithUris(SigningAuthority issuer, KeyPair key, String... uris) {
        try {
            Instant now = Instant.now();
            var b = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(issuer.certificate(), java.math.BigInteger.valueOf(now.toEpochMilli()),
                    java.util.Date.from(now.minusSeconds(60)), java.util.Date.from(now.plusSeconds(600)), new X500Name("O=Test"), key.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new org.bouncycastle.asn1.x509.KeyUsage(org.bouncycastle.asn1.x509.KeyUsage.digitalSignature));
            GeneralName[] names = new GeneralName[uris.length];
            for (int i = 0; i < uris.length; i++) {
                names[i] = new GeneralName(GeneralName.uniformResourceIdentifier, uris[i]);
            }
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            return new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").setProvider(Crypto.PROVIDER).build(issuer.key())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 5280 path validation (JDK PKIX, no revocation, now) from the chain to the bundle. */
    static void assertValidates(List<X509Certificate> chain, Collection<X509Certificate> bundle) throws Exception {
        Set<TrustAnchor> anchors = bundle.stream().map(c -> new TrustAnchor(c, null)).collect(Collectors.toSet());
        PKIXParameters params = new PKIXParameters(anchors);
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), params);
    }

    static List<String> sans(X509Certificate c, int type) throws Exception {
        List<String> out = new ArrayList<>();
        if (c.getSubjectAlternativeNames() != null) {
            for (List<?> san : c.getSubjectAlternativeNames()) {
                if ((Integer) san.get(0) == type) {
                    out.add((String) san.get(1));
                }
            }
        }
        return out;
    }

    /** on a leaf X509-SVID, and notAfter ≤ every bundle CA's notAfter it may chain to. */
    static void assertLeafProfile(X509Certificate leaf, X509Certificate issuer) throws Exception {
        assertThat(sans(leaf, 6)).as("X-1: exactly one URI SAN").hasSize(1);
        assertThat(leaf.getBasicConstraints()).as("X-5: cA=false").isEqualTo(-1);
        assertThat(leaf.getCriticalExtensionOIDs()).as("X-5: basicConstraints present and critical")
                .contains(Extension.basicConstraints.getId());
        assertThat(leaf.getCriticalExtensionOIDs()).as("X-10: keyUsage critical").contains(Extension.keyUsage.getId());
        boolean[] ku = leaf.getKeyUsage();
        assertThat(ku).as("X-10: keyUsage present").isNotNull();
        assertThat(ku[0]).as("X-12: digitalSignature").isTrue();
        assertThat(ku.length > 5 && ku[5]).as("X-12: no keyCertSign").isFalse();
        assertThat(ku.length > 6 && ku[6]).as("X-12: no cRLSign").isFalse();
        assertThat(leaf.getExtendedKeyUsage()).as("X-13: serverAuth and clientAuth")
                .contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(leaf.getIssuerX500Principal()).isEqualTo(issuer.getSubjectX500Principal());
        assertThat(leaf.getNotAfter()).as("X-14: leaf never outlives its CA").isBeforeOrEqualTo(issuer.getNotAfter());
    }
}
