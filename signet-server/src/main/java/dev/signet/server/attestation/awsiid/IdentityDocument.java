package dev.signet.server.attestation.awsiid;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.signet.server.attestation.NodeAttestor.AttestationFailure;
import dev.signet.server.attestation.NodeAttestor.Reason;
import java.text.ParseException;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The facts of an EC2 instance identity document this attestor uses, each checked against the shape AWS gives it
 * (they become SPIFFE ID path segments and selector values). Only call {@link #parse} on bytes whose signature
 * was verified.
 */
record IdentityDocument(String accountId, String region, String availabilityZone, String instanceId, String imageId,
        String instanceType, String privateIp, String pendingTime) {
    private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
    /** e.g. us-east-1, us-gov-west-1, cn-north-1, eusc-de-east-1. */
    static final Pattern REGION = Pattern.compile("[a-z]{2,4}(-[a-z]+)+-[0-9]+");
    private static final Pattern INSTANCE = Pattern.compile("i-[0-9a-f]{8,32}");
    private static final Pattern IMAGE = Pattern.compile("ami-[0-9a-f]{8,32}");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{0,62}");

    static IdentityDocument parse(String json) throws AttestationFailure {
        Map<String, Object> m;
        try {
            m = JSONObjectUtils.parse(json);
        } catch (ParseException e) {
            throw invalid("the instance identity document is not a JSON object: " + e.getMessage());
        }
        return new IdentityDocument(
                required(m, "accountId", ACCOUNT),
                required(m, "region", REGION),
                required(m, "availabilityZone", NAME),
                required(m, "instanceId", INSTANCE),
                required(m, "imageId", IMAGE),
                optional(m, "instanceType", NAME),
                optional(m, "privateIp", null),
                optional(m, "pendingTime", null));
    }

    private static String required(Map<String, Object> m, String key, Pattern shape) throws AttestationFailure {
        String v = optional(m, key, shape);
        if (v == null) {
            throw invalid("the instance identity document has no " + key);
        }
        return v;
    }

    private static String optional(Map<String, Object> m, String key, Pattern shape) throws AttestationFailure {
        Object v = m.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw invalid("the instance identity document's " + key + " is not a string");
        }
        if (shape != null && !shape.matcher(s).matches()) {
            throw invalid("the instance identity document's " + key + " \"" + printable(s) + "\" is malformed");
        }
        return s;
    }

    private static String printable(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }

    private static AttestationFailure invalid(String message) {
        return new AttestationFailure(Reason.INVALID, AwsIidAttestor.NAME + ": " + message);
    }
}
