package dev.signet.server.ca;

import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.SigningProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.Signature;

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
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.util.Strings;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;

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
        return selfSignedCa(td, pub, key, notBefore, notAfter, SigningProvider.bouncyCastle());
    }

    /** A self-signed CA certificate for the trust domain, signed with {@code crypto}. */
    public static X509Certificate selfSignedCa(TrustDomain td, PublicKey pub, PrivateKey key, Instant notBefore, Instant notAfter,
            SigningProvider crypto) {
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
            return Certificates.parse(b.build(new OneShotSigner(crypto, crypto.ownKey(key), algorithmFor(pub))).getEncoded());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build CA certificate", e);
        }
    }

    /** A leaf X509-SVID for {@code id} and {@code pub}, signed by {@code issuer} with BouncyCastle (tests). */
    public static X509Certificate leaf(SigningAuthority issuer, SpiffeId id, PublicKey pub, List<String> dnsNames, Instant now, Instant requestedNotAfter) {
        return leaf(new Issuer(issuer, SigningProvider.bouncyCastle()), id, pub, dnsNames, now, requestedNotAfter);
    }

    /** A leaf X509-SVID for {@code id} and {@code pub}, signed by {@code issuer}. notAfter is capped at the issuer's. */
    public static X509Certificate leaf(Issuer issuer, SpiffeId id, PublicKey pub, List<String> dnsNames, Instant now, Instant requestedNotAfter) {
        return Certificates.parse(leafDer(issuer, id, pub, dnsNames, now, requestedNotAfter));
    }

    /**
     * The DER encoding of a leaf X509-SVID (see {@link #leaf}); the signing hot path, which sends DER and so skips
     * parsing the certificate it has just built.
     */
    public static byte[] leafDer(Issuer issuer, SpiffeId id, PublicKey pub, List<String> dnsNames, Instant now, Instant requestedNotAfter) {
        return leafDer(issuer, id, SubjectPublicKeyInfo.getInstance(pub.getEncoded()), dnsNames, now, requestedNotAfter);
    }

    /** {@link #leafDer(Issuer, SpiffeId, PublicKey, List, Instant, Instant)} for a key given as its SubjectPublicKeyInfo. */
    public static byte[] leafDer(Issuer issuer, SpiffeId id, SubjectPublicKeyInfo spki, List<String> dnsNames, Instant now,
            Instant requestedNotAfter) {
        return leafDer(issuer, id, spki, dnsNames, now, requestedNotAfter, serial());
    }

    /** {@link #leafDer(Issuer, SpiffeId, SubjectPublicKeyInfo, List, Instant, Instant)} with a given serial (tests). */
    static byte[] leafDer(Issuer issuer, SpiffeId id, SubjectPublicKeyInfo spki, List<String> dnsNames, Instant now,
            Instant requestedNotAfter, BigInteger serial) {
        byte[] tbs = leafTbs(issuer, id, spki, dnsNames, now, requestedNotAfter, serial);
        return certificate(tbs, issuer.encodedAlgorithm, sign(issuer.crypto, issuer.key, issuer.algorithm, tbs));
    }

    /**
     * The leaf's DER TBSCertificate (RFC 5280 §4.1), written into one right-sized array from pieces: what is the same
     * for every leaf of a CA was encoded once (in {@link Issuer} and the constants below), the rest is encoded here
     * directly, its lengths computed first. {@link #builderLeafTbs} is the same certificate through BouncyCastle's
     * builder; the tests hold the two to byte-for-byte equality.
     */
    static byte[] leafTbs(Issuer issuer, SpiffeId id, SubjectPublicKeyInfo spki, List<String> dnsNames, Instant now,
            Instant requestedNotAfter, BigInteger serial) {
        checkLeaf(id, serial);
        try {
            byte[] serialOctets = serial.toByteArray(); // minimal two's complement: a leading zero octet when needed
            byte[] notBefore = timeDer(leafNotBefore(issuer, now));
            byte[] notAfter = timeDer(leafNotAfter(issuer, requestedNotAfter));
            byte[] subject = dnsNames.isEmpty() ? LEAF_SUBJECT_DER : leafSubject(dnsNames).getEncoded(ASN1Encoding.DER);
            byte[] key = spki.getEncoded(ASN1Encoding.DER);
            byte[] keyId = sha1(spki.getPublicKeyData().getBytes());

            // subjectAltName: the SPIFFE ID as the one URI, then the DNS names and IP addresses
            int names = dnsNames.size() + 1;
            byte[] nameTags = new byte[names];
            byte[][] nameValues = new byte[names][];
            nameTags[0] = TAG_URI;
            nameValues[0] = Strings.toByteArray(id.toString());
            for (int k = 1; k < names; k++) {
                String dns = dnsNames.get(k - 1);
                if (isIpLiteral(dns)) {
                    nameTags[k] = TAG_IP;
                    nameValues[k] = ASN1OctetString.getInstance(new GeneralName(GeneralName.iPAddress, dns).getName()).getOctets();
                } else {
                    nameTags[k] = TAG_DNS;
                    nameValues[k] = Strings.toByteArray(dns);
                }
            }
            int generalNames = 0;
            for (byte[] v : nameValues) {
                generalNames += tlv(v.length);
            }
            int sanValue = tlv(generalNames); // GeneralNames SEQUENCE, the extnValue OCTET STRING's content
            int sanContent = SAN_OID.length + tlv(sanValue);
            int skiContent = SKI_OID.length + tlv(tlv(keyId.length));
            int extensions = LEAF_CONSTANT_EXTENSIONS_DER.length + tlv(skiContent) + issuer.authorityKeyIdentifierDer.length
                    + tlv(sanContent);
            int validity = tlv(notBefore.length + notAfter.length);
            int content = VERSION_V3.length + tlv(serialOctets.length) + issuer.algorithmAndName.length + validity
                    + subject.length + key.length + tlv(tlv(extensions));

            byte[] out = new byte[tlv(content)];
            int i = header(out, 0, SEQUENCE, content);
            i = put(out, i, VERSION_V3);
            i = header(out, i, INTEGER, serialOctets.length);
            i = put(out, i, serialOctets);
            i = put(out, i, issuer.algorithmAndName);
            i = header(out, i, SEQUENCE, notBefore.length + notAfter.length);
            i = put(out, i, notBefore);
            i = put(out, i, notAfter);
            i = put(out, i, subject);
            i = put(out, i, key);
            i = header(out, i, EXTENSIONS_TAG, tlv(extensions));
            i = header(out, i, SEQUENCE, extensions);
            i = put(out, i, LEAF_CONSTANT_EXTENSIONS_DER);
            i = header(out, i, SEQUENCE, skiContent);
            i = put(out, i, SKI_OID);
            i = header(out, i, OCTET_STRING, tlv(keyId.length));
            i = header(out, i, OCTET_STRING, keyId.length);
            i = put(out, i, keyId);
            i = put(out, i, issuer.authorityKeyIdentifierDer);
            i = header(out, i, SEQUENCE, sanContent);
            i = put(out, i, SAN_OID);
            i = header(out, i, OCTET_STRING, sanValue);
            i = header(out, i, SEQUENCE, generalNames);
            for (int k = 0; k < names; k++) {
                i = header(out, i, nameTags[k], nameValues[k].length);
                i = put(out, i, nameValues[k]);
            }
            if (i != out.length) {
                throw new IllegalStateException("TBSCertificate length mismatch: wrote " + i + " of " + out.length + " bytes");
            }
            return out;
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalStateException("cannot build X509-SVID for " + id + ": " + e.getMessage(), e);
        }
    }

    /**
     * The TBSCertificate of the same leaf as {@link #leafTbs}, built with BouncyCastle's {@link X509v3CertificateBuilder}
     * (how leaves were built before): the reference the direct encoding is tested against.
     */
    static byte[] builderLeafTbs(Issuer issuer, SpiffeId id, SubjectPublicKeyInfo spki, List<String> dnsNames, Instant now,
            Instant requestedNotAfter, BigInteger serial) {
        checkLeaf(id, serial);
        try {
            X500Name subject = dnsNames.isEmpty() ? LEAF_SUBJECT : leafSubject(dnsNames);
            X509v3CertificateBuilder b = new X509v3CertificateBuilder(issuer.name, serial,
                    time(leafNotBefore(issuer, now)), time(leafNotAfter(issuer, requestedNotAfter)), subject, spki);
            b.addExtension(LEAF_BASIC_CONSTRAINTS);
            b.addExtension(LEAF_KEY_USAGE);
            b.addExtension(LEAF_EXTENDED_KEY_USAGE);
            b.addExtension(Extension.subjectKeyIdentifier, false, new SubjectKeyIdentifier(sha1(spki.getPublicKeyData().getBytes())));
            b.addExtension(issuer.authorityKeyIdentifier);
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
            OneShotSigner signer = new OneShotSigner(issuer.crypto, issuer.key, issuer.algorithm);
            b.build(signer);
            return signer.tbs.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("cannot build X509-SVID for " + id + ": " + e.getMessage(), e);
        }
    }

    private static void checkLeaf(SpiffeId id, BigInteger serial) {
        if (id.isRoot()) {
            throw new IllegalArgumentException("an X509-SVID's SPIFFE ID must have a path");
        }
        if (serial.signum() <= 0 || serial.bitLength() > 159) {
            throw new IllegalArgumentException("a certificate serial must be positive and at most 20 octets, not " + serial);
        }
    }

    private static Instant leafNotBefore(Issuer issuer, Instant now) {
        Instant notBefore = now.minusSeconds(NOT_BEFORE_CUSHION_SECONDS);
        return notBefore.isBefore(issuer.notBefore) ? issuer.notBefore : notBefore;
    }

    private static Instant leafNotAfter(Issuer issuer, Instant requestedNotAfter) {
        return requestedNotAfter.isAfter(issuer.notAfter) ? issuer.notAfter : requestedNotAfter;
    }

    /** The subject of a leaf with DNS names: C=US, O=Signet, CN=the first DNS name. */
    private static X500Name leafSubject(List<String> dnsNames) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.C, "US").addRDN(BCStyle.O, "Signet").addRDN(BCStyle.CN, dnsNames.get(0)).build();
    }

    private static final byte SEQUENCE = 0x30;
    private static final byte INTEGER = 0x02;
    private static final byte OCTET_STRING = 0x04;
    private static final byte EXTENSIONS_TAG = (byte) 0xA3; // [3] EXPLICIT
    private static final byte TAG_DNS = (byte) 0x82; // GeneralName dNSName [2] IMPLICIT IA5String
    private static final byte TAG_URI = (byte) 0x86; // GeneralName uniformResourceIdentifier [6] IMPLICIT IA5String
    private static final byte TAG_IP = (byte) 0x87; // GeneralName iPAddress [7] IMPLICIT OCTET STRING
    /** [0] EXPLICIT INTEGER 2: version v3. */
    private static final byte[] VERSION_V3 = {(byte) 0xA0, 0x03, 0x02, 0x01, 0x02};
    private static final byte[] SKI_OID = der(Extension.subjectKeyIdentifier);
    private static final byte[] SAN_OID = der(Extension.subjectAlternativeName);

    /** The length of a DER TLV with {@code contentLength} content octets and a one-octet tag. */
    private static int tlv(int contentLength) {
        return 1 + lengthOctets(contentLength) + contentLength;
    }

    private static int header(byte[] out, int i, byte tag, int contentLength) {
        out[i] = tag;
        return writeLength(out, i + 1, contentLength);
    }

    private static int put(byte[] out, int i, byte[] bytes) {
        System.arraycopy(bytes, 0, out, i, bytes.length);
        return i + bytes.length;
    }

    private static byte[] der(org.bouncycastle.asn1.ASN1Encodable value) {
        try {
            return value.toASN1Primitive().getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int i = 0;
        for (byte[] p : parts) {
            i = put(out, i, p);
        }
        return out;
    }

    /**
     * What signing a leaf needs from its CA, computed once per CA (at load and rotation), not per certificate: the
     * issuer name, the authority key identifier extension, the signature algorithm and the CA key as one of the
     * signing provider's own key objects.
     */
    public static final class Issuer {
        private final SigningAuthority authority;
        private final SigningProvider crypto;
        private final PrivateKey key;
        private final X500Name name;
        private final Extension authorityKeyIdentifier;
        private final AlgorithmIdentifier algorithm;
        private final byte[] encodedAlgorithm;
        /** The authorityKeyIdentifier extension, DER. */
        private final byte[] authorityKeyIdentifierDer;
        /** The TBSCertificate's signature AlgorithmIdentifier and issuer Name, adjacent there: DER, concatenated. */
        private final byte[] algorithmAndName;
        private final Instant notBefore;
        private final Instant notAfter;

        public Issuer(SigningAuthority authority, SigningProvider crypto) {
            this.authority = authority;
            this.crypto = crypto;
            this.key = crypto.ownKey(authority.key());
            X509Certificate cert = authority.certificate();
            this.name = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
            try {
                this.authorityKeyIdentifier = new Extension(Extension.authorityKeyIdentifier, false,
                        new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(cert).getEncoded(ASN1Encoding.DER));
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("cannot read CA certificate " + cert.getSubjectX500Principal() + ": " + e.getMessage(), e);
            }
            this.algorithm = algorithmFor(cert.getPublicKey());
            this.encodedAlgorithm = der(algorithm);
            this.authorityKeyIdentifierDer = der(authorityKeyIdentifier);
            this.algorithmAndName = concat(encodedAlgorithm, der(name));
            this.notBefore = cert.getNotBefore().toInstant();
            this.notAfter = cert.getNotAfter().toInstant();
        }

        public SigningAuthority authority() {
            return authority;
        }

        public SigningProvider crypto() {
            return crypto;
        }
    }

    /**
     * A certificate validity time (RFC 5280 §4.1.2.5: UTCTime for 1950–2049, else GeneralizedTime; whole seconds, UTC)
     * encoded directly: BouncyCastle's {@code Time(Date)} formats and re-parses through two SimpleDateFormats per call.
     */
    static Time time(Instant t) throws IOException {
        return Time.getInstance(org.bouncycastle.asn1.ASN1Primitive.fromByteArray(timeDer(t)));
    }

    /** {@link #time} as its DER encoding. */
    static byte[] timeDer(Instant t) throws IOException {
        java.time.LocalDateTime d = java.time.LocalDateTime.ofEpochSecond(t.getEpochSecond(), 0, java.time.ZoneOffset.UTC);
        int year = d.getYear();
        if (year < 1950 || year > 9999) {
            // outside UTCTime and four-digit GeneralizedTime: never for a leaf
            return new Time(java.util.Date.from(t)).getEncoded(ASN1Encoding.DER);
        }
        boolean utc = year <= 2049;
        byte[] der = new byte[utc ? 15 : 17];
        der[0] = utc ? (byte) 0x17 : (byte) 0x18;
        der[1] = (byte) (der.length - 2);
        int i = 2;
        if (!utc) {
            i = digits(der, i, year / 100);
        }
        i = digits(der, i, year % 100);
        i = digits(der, i, d.getMonthValue());
        i = digits(der, i, d.getDayOfMonth());
        i = digits(der, i, d.getHour());
        i = digits(der, i, d.getMinute());
        i = digits(der, i, d.getSecond());
        der[i] = 'Z';
        return der;
    }

    private static int digits(byte[] out, int i, int twoDigits) {
        out[i] = (byte) ('0' + twoDigits / 10);
        out[i + 1] = (byte) ('0' + twoDigits % 10);
        return i + 2;
    }

    /** The subject of leaves without DNS names (immutable, built once). */
    private static final X500Name LEAF_SUBJECT = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.C, "US").addRDN(BCStyle.O, "Signet").build();

    // the leaf's constant extensions, DER-encoded once
    private static final Extension LEAF_BASIC_CONSTRAINTS = extension(Extension.basicConstraints, true, new BasicConstraints(false));
    private static final Extension LEAF_KEY_USAGE = extension(Extension.keyUsage, true,
            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyAgreement));
    private static final Extension LEAF_EXTENDED_KEY_USAGE = extension(Extension.extendedKeyUsage, false,
            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
    private static final byte[] LEAF_SUBJECT_DER = der(LEAF_SUBJECT);
    /** basicConstraints, keyUsage, extendedKeyUsage: the first three of a leaf's extensions, DER, concatenated. */
    private static final byte[] LEAF_CONSTANT_EXTENSIONS_DER = concat(der(LEAF_BASIC_CONSTRAINTS), der(LEAF_KEY_USAGE),
            der(LEAF_EXTENDED_KEY_USAGE));

    private static Extension extension(org.bouncycastle.asn1.ASN1ObjectIdentifier oid, boolean critical, org.bouncycastle.asn1.ASN1Encodable value) {
        try {
            return new Extension(oid, critical, value.toASN1Primitive().getEncoded(ASN1Encoding.DER));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-1, for the key identifier (RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bit string). */
    private static byte[] sha1(byte[] bits) {
        org.bouncycastle.crypto.digests.SHA1Digest d = new org.bouncycastle.crypto.digests.SHA1Digest();
        d.update(bits, 0, bits.length);
        byte[] out = new byte[d.getDigestSize()];
        d.doFinal(out, 0);
        return out;
    }

    /** Signs {@code tbs} with a fresh {@link Signature} of {@code crypto} and its own key object. */
    private static byte[] sign(SigningProvider crypto, PrivateKey key, AlgorithmIdentifier algorithm, byte[] tbs) {
        try {
            Signature s = crypto.signature(JCA_NAMES.get(algorithm.getAlgorithm()));
            s.initSign(key, crypto.random());
            s.update(tbs);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing with " + crypto.name() + " failed: " + e.getMessage(), e);
        }
    }

    private static AlgorithmIdentifier algorithmFor(PublicKey signerPub) {
        return new DefaultSignatureAlgorithmIdentifierFinder().find(Crypto.signatureAlgorithm(signerPub));
    }

    /**
     * A {@link ContentSigner} for one certificate: buffers the TBSCertificate and signs it with a fresh {@link
     * Signature} of the chosen provider and the provider's own key object (no key translation, no builder lookups).
     */
    private static final class OneShotSigner implements ContentSigner {
        private final SigningProvider crypto;
        private final PrivateKey key;
        private final AlgorithmIdentifier algorithm;
        private final ByteArrayOutputStream tbs = new ByteArrayOutputStream(1024);

        OneShotSigner(SigningProvider crypto, PrivateKey key, AlgorithmIdentifier algorithm) {
            this.crypto = crypto;
            this.key = key;
            this.algorithm = algorithm;
        }

        @Override
        public AlgorithmIdentifier getAlgorithmIdentifier() {
            return algorithm;
        }

        @Override
        public OutputStream getOutputStream() {
            return tbs;
        }

        @Override
        public byte[] getSignature() {
            return sign(crypto, key, algorithm, tbs.toByteArray());
        }
    }

    /**
     * The DER Certificate (RFC 5280 §4.1: SEQUENCE { tbsCertificate, signatureAlgorithm, BIT STRING signature }) put
     * together from the TBSCertificate bytes that were signed, instead of encoding the whole structure a second time.
     */
    private static byte[] certificate(byte[] tbs, byte[] algorithm, byte[] signature) {
        int bitStringLength = signature.length + 1;
        int contentLength = tbs.length + algorithm.length + 1 + lengthOctets(bitStringLength) + bitStringLength;
        byte[] out = new byte[1 + lengthOctets(contentLength) + contentLength];
        int i = 0;
        out[i++] = 0x30;
        i = writeLength(out, i, contentLength);
        System.arraycopy(tbs, 0, out, i, tbs.length);
        i += tbs.length;
        System.arraycopy(algorithm, 0, out, i, algorithm.length);
        i += algorithm.length;
        out[i++] = 0x03;
        i = writeLength(out, i, bitStringLength);
        out[i++] = 0x00; // no unused bits
        System.arraycopy(signature, 0, out, i, signature.length);
        return out;
    }

    private static int lengthOctets(int length) {
        return length < 0x80 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 4;
    }

    private static int writeLength(byte[] out, int i, int length) {
        if (length < 0x80) {
            out[i++] = (byte) length;
        } else if (length < 0x100) {
            out[i++] = (byte) 0x81;
            out[i++] = (byte) length;
        } else if (length < 0x10000) {
            out[i++] = (byte) 0x82;
            out[i++] = (byte) (length >> 8);
            out[i++] = (byte) length;
        } else {
            out[i++] = (byte) 0x83;
            out[i++] = (byte) (length >> 16);
            out[i++] = (byte) (length >> 8);
            out[i++] = (byte) length;
        }
        return i;
    }

    private static final java.util.Map<org.bouncycastle.asn1.ASN1ObjectIdentifier, String> JCA_NAMES = java.util.Map.of(
            org.bouncycastle.asn1.x9.X9ObjectIdentifiers.ecdsa_with_SHA256, "SHA256withECDSA",
            org.bouncycastle.asn1.x9.X9ObjectIdentifiers.ecdsa_with_SHA384, "SHA384withECDSA",
            org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.sha256WithRSAEncryption, "SHA256withRSA");

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

    static String hexSerial(X509Certificate c) {
        return c.getSerialNumber().toString(16);
    }

}
