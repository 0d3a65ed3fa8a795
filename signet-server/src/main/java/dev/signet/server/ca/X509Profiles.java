package dev.signet.server.ca;

import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Crypto;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The X.509 profiles Signet issues, per the X509-SVID standard (spiffe-rules.md §1.B):
 * <ul>
 *   <li>CA: self-signed, URI SAN {@code spiffe://<td>} (ID-8, X-6), basicConstraints cA=true critical,
 *       keyUsage keyCertSign|cRLSign critical .</li>
 *   <li>Leaf X509-SVID: exactly one URI SAN, the SPIFFE ID, plus DNS names; non-empty subject; basicConstraints
 *       cA=false critical; keyUsage digitalSignature|keyEncipherment|keyAgreement critical, never keyCertSign or
 *       cRLSign; extendedKeyUsage serverAuth+clientAuth; positive 128-bit serial; notAfter
 *       capped at the issuer's notAfter .</li>
 * </ul>
 */
public final class X509Profiles {
    /** Backdating of notBefore, to tolerate small clock skew between nodes (as SPIRE does). */
    static final long NOT_BEFORE_CUSHION_SECONDS = 10;
    private static final SecureRandom RANDOM = new SecureRandom();

    private X509Profiles() {}

    /** A self-signed CA certificate for the trust domain. */
    public static X509Certificate selfSignedCa(TrustDomain td, PublicKey pub, PrivateKey key, Instant notBefore, Instant notAfter) {
        try {
            BigInteger serial = serial();
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                    .addRDN(BCStyle.C, "US").addRDN(BCStyle.O, "Signet").addRDN(BCStyle.SERIALNUMBER, serial.toString()).build();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial, Date.from(notBefore), Date.from(notAfter), subject, pub);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pub));
            b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, td.idString())));
            return sign(b, key, pub);
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build CA certificate", e);
        }
    }

    /** A leaf X509-SVID for {@code id} and {@code pub}, signed by {@code issuer}. notAfter is capped at the issuer's. */
    public static X509Certificate leaf(SigningAuthority issuer, SpiffeId id, PublicKey pub, List<String> dnsNames, Instant now, Instant requestedNotAfter) {
        if (id.isRoot()) {
            throw new IllegalArgumentException("an X509-SVID's SPIFFE ID must have a path");
        }
        try {
            Instant notBefore = now.minusSeconds(NOT_BEFORE_CUSHION_SECONDS);
            Instant caNotBefore = issuer.certificate().getNotBefore().toInstant();
            if (notBefore.isBefore(caNotBefore)) {
                notBefore = caNotBefore;
            }
            Instant notAfter = capped(issuer, requestedNotAfter);
            X500NameBuilder sb = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.C, "US").addRDN(BCStyle.O, "Signet");
            if (!dnsNames.isEmpty()) {
                sb.addRDN(BCStyle.CN, dnsNames.get(0));
            }
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    issuer.certificate(), serial(), Date.from(notBefore), Date.from(notAfter), sb.build(), pub);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyAgreement));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pub));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuer.certificate()));
            List<GeneralName> names = new ArrayList<>();
            names.add(new GeneralName(GeneralName.uniformResourceIdentifier, id.toString()));
            for (String dns : dnsNames) {
                if (isIpLiteral(dns)) {
                    names.add(new GeneralName(GeneralName.iPAddress, dns));
                } else {
                    names.add(new GeneralName(GeneralName.dNSName, dns));
                }
            }
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
            return sign(b, issuer.key(), issuer.certificate().getPublicKey());
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build X509-SVID for " + id, e);
        }
    }

    /** {@code requested}, or the issuer's notAfter if that is earlier: an SVID never outlives its signer. */
    public static Instant capped(SigningAuthority issuer, Instant requested) {
        Instant caNotAfter = issuer.certificate().getNotAfter().toInstant();
        return requested.isAfter(caNotAfter) ? caNotAfter : requested;
    }

    private static boolean isIpLiteral(String s) {
        return s.matches("\\d{1,3}(\\.\\d{1,3}){3}") || (s.contains(":") && s.matches("[0-9a-fA-F:.]+"));
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE); // positive, at most 16 octets
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key, PublicKey signerPub) throws GeneralSecurityException {
        try {
            var signer = new JcaContentSignerBuilder(Crypto.signatureAlgorithm(signerPub)).setProvider(Crypto.PROVIDER).build(key);
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    static String hexSerial(X509Certificate c) {
        return c.getSerialNumber().toString(16);
    }

}
