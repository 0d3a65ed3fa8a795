package dev.signet.server.attestation.x509pop;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.signet.server.attestation.NodeAttestor.AttestationFailure;
import dev.signet.server.attestation.NodeAttestor.Reason;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The agent's evidence: {@code {"certificates":["<base64 DER leaf>", "<base64 DER intermediate>", ...]}}, the
 * leaf first. Parsing refuses anything but that shape with {@link Reason#INVALID}.
 */
final class X509PopPayload {
    /** Largest payload accepted, in bytes: generous for a leaf and a few 8192-bit RSA intermediates. */
    static final int MAX_BYTES = 256 * 1024;

    private X509PopPayload() {}

    /** The certificates, leaf first; at most {@code maxCertificates} of them. */
    static List<X509Certificate> parse(byte[] payload, int maxCertificates) throws AttestationFailure {
        if (payload.length == 0) {
            throw invalid("payload is empty (expected {\"certificates\":[...]})");
        }
        if (payload.length > MAX_BYTES) {
            throw invalid("payload is larger than " + MAX_BYTES + " bytes");
        }
        Map<String, Object> json;
        try {
            json = JSONObjectUtils.parse(new String(payload, StandardCharsets.UTF_8), MAX_BYTES);
        } catch (ParseException | RuntimeException e) {
            throw invalid("payload is not a JSON object: " + e.getMessage());
        }
        if (!(json.get("certificates") instanceof List<?> list)) {
            throw invalid("payload has no \"certificates\" array");
        }
        if (list.isEmpty()) {
            throw invalid("payload has no certificate");
        }
        if (list.size() > maxCertificates) {
            throw new AttestationFailure(Reason.DENIED, "x509pop: the chain has " + (list.size() - 1)
                    + " intermediate certificates; at most " + (maxCertificates - 1) + " are allowed (max_intermediates)");
        }
        List<X509Certificate> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof String s)) {
                throw invalid("certificates[" + i + "] is not a base64 string");
            }
            byte[] der;
            try {
                der = Base64.getDecoder().decode(s);
            } catch (IllegalArgumentException e) {
                throw invalid("certificates[" + i + "] is not valid base64: " + e.getMessage());
            }
            out.add(certificate(der, i));
        }
        return List.copyOf(out);
    }

    private static X509Certificate certificate(byte[] der, int index) throws AttestationFailure {
        if (der.length == 0 || der[0] != 0x30) {
            throw invalid("certificates[" + index + "] is not a DER X.509 certificate");
        }
        try {
            var in = new java.io.ByteArrayInputStream(der);
            X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            if (in.available() != 0) {
                throw invalid("certificates[" + index + "] has trailing bytes after the certificate");
            }
            return c;
        } catch (CertificateException | RuntimeException e) {
            throw invalid("certificates[" + index + "] is not a DER X.509 certificate: " + e.getMessage());
        }
    }

    private static AttestationFailure invalid(String problem) {
        return new AttestationFailure(Reason.INVALID, "x509pop: " + problem);
    }
}
