package dev.signet.agent.endpoints.workload;

import com.google.protobuf.ByteString;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.signet.agent.cache.WorkloadUpdate;
import dev.signet.agent.cache.X509Identity;
import dev.signet.agent.jwt.ValidatedJwtSvid;
import dev.signet.core.bundle.SpiffeBundleJson;
import dev.signet.core.x509.Certificates;
import dev.signet.proto.workload.JWTBundlesResponse;
import dev.signet.proto.workload.ValidateJWTSVIDResponse;
import dev.signet.proto.workload.X509BundlesResponse;
import dev.signet.proto.workload.X509SVID;
import dev.signet.proto.workload.X509SVIDResponse;
import java.security.PrivateKey;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** Builds Workload API messages from a {@link WorkloadUpdate} (spiffe-rules.md W-4, W-11, W-16, W-22, W-25). */
final class Responses {
    private Responses() {}

    /**
     * The full X.509 state: every identity in the update's order (svids[0] is the default identity),
     * each with its chain leaf first, PKCS#8 key, own trust domain bundle and hint. No federated bundles
     * or CRLs yet: the update carries none.
     *
     * @throws IllegalStateException if an identity cannot be serialised (its leaf has no single URI SAN,
     *     its key has no PKCS#8 encoding, or the bundle is empty)
     */
    static X509SVIDResponse x509Svids(WorkloadUpdate update) {
        ByteString bundle = bundle(update);
        X509SVIDResponse.Builder out = X509SVIDResponse.newBuilder();
        for (X509Identity identity : update.identities()) {
            out.addSvids(X509SVID.newBuilder()
                    .setSpiffeId(identity.uriSan())
                    .setX509Svid(ByteString.copyFrom(Certificates.concat(identity.chain())))
                    .setX509SvidKey(ByteString.copyFrom(identity.pkcs8()))
                    .setBundle(bundle)
                    .setHint(identity.entry().hint()));
        }
        return out.build();
    }

    /** The X.509 bundles map: {@code spiffe://<td>} → concatenated DER CA certificates. */
    static X509BundlesResponse x509Bundles(WorkloadUpdate update) {
        return X509BundlesResponse.newBuilder()
                .putBundles(update.trustDomain().idString(), bundle(update))
                .build();
    }

    /**
     * The JWT bundles map: {@code spiffe://<td>} → the trust domain's JWT authorities as a JWKS (UTF-8 JSON),
     * every key with its {@code kid} and {@code use: "jwt-svid"}, never an X.509 authority (W-22). A trust
     * domain without JWT authorities gets {@code {"keys":[]}}: the bundle exists, it trusts no JWT.
     */
    static JWTBundlesResponse jwtBundles(WorkloadUpdate update) {
        return JWTBundlesResponse.newBuilder()
                .putBundles(update.trustDomain().idString(), ByteString.copyFromUtf8(SpiffeBundleJson.jwtJwks(update.trustBundle())))
                .build();
    }

    /** ValidateJWTSVID's answer: the SPIFFE ID and every claim, JSON numbers as doubles (W-25, W-26). */
    static ValidateJWTSVIDResponse validated(ValidatedJwtSvid svid) {
        return ValidateJWTSVIDResponse.newBuilder()
                .setSpiffeId(svid.spiffeId().toString())
                .setClaims(struct(svid.claims()))
                .build();
    }

    static Struct struct(Map<String, ?> map) {
        Struct.Builder b = Struct.newBuilder();
        map.forEach((k, v) -> b.putFields(k, value(v)));
        return b.build();
    }

    private static Value value(Object v) {
        if (v == null) {
            return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
        }
        if (v instanceof String s) {
            return Value.newBuilder().setStringValue(s).build();
        }
        if (v instanceof Boolean bool) {
            return Value.newBuilder().setBoolValue(bool).build();
        }
        if (v instanceof Number n) {
            return Value.newBuilder().setNumberValue(n.doubleValue()).build();
        }
        if (v instanceof java.util.Date d) {
            return Value.newBuilder().setNumberValue(d.getTime() / 1000L).build();
        }
        if (v instanceof Map<?, ?> m) {
            Struct.Builder s = Struct.newBuilder();
            m.forEach((k, x) -> s.putFields(String.valueOf(k), value(x)));
            return Value.newBuilder().setStructValue(s).build();
        }
        if (v instanceof Collection<?> c) {
            ListValue.Builder l = ListValue.newBuilder();
            c.forEach(x -> l.addValues(value(x)));
            return Value.newBuilder().setListValue(l).build();
        }
        if (v instanceof Object[] arr) {
            return value(java.util.Arrays.asList(arr));
        }
        return Value.newBuilder().setStringValue(v.toString()).build();
    }

    private static ByteString bundle(WorkloadUpdate update) {
        if (update.bundle().isEmpty()) {
            // Both reference clients reject an empty bundle (W-11); never send one.
            throw new IllegalStateException("the bundle of trust domain " + update.trustDomain() + " is empty");
        }
        return ByteString.copyFrom(Certificates.concat(update.bundle()));
    }
}
