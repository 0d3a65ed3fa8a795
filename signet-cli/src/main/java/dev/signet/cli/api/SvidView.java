package dev.signet.cli.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.signet.cli.common.CliException;
import dev.signet.cli.common.Json;
import dev.signet.core.x509.Pem;
import dev.signet.proto.workload.X509SVID;
import dev.signet.proto.workload.X509SVIDResponse;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** One X509-SVID from the Workload API, decoded for printing and writing. */
record SvidView(String spiffeId, String hint, List<X509Certificate> chain, List<X509Certificate> bundle, byte[] keyPkcs8) {

    static SvidView of(X509SVID svid) {
        try {
            List<X509Certificate> chain = Pem.decodeDerSequence(svid.getX509Svid().toByteArray());
            if (chain.isEmpty()) {
                throw new IllegalArgumentException("empty certificate chain");
            }
            return new SvidView(svid.getSpiffeId(), svid.getHint(), chain,
                    Pem.decodeDerSequence(svid.getBundle().toByteArray()), svid.getX509SvidKey().toByteArray());
        } catch (IllegalArgumentException e) {
            throw new CliException("the Workload API sent a malformed X509-SVID for " + svid.getSpiffeId() + ": "
                    + e.getMessage(), e);
        }
    }

    X509Certificate leaf() {
        return chain.get(0);
    }

    String expiresAt() {
        return Json.time(leaf().getNotAfter().toInstant());
    }

    String chainPem() {
        return Pem.encodeCertificates(chain);
    }

    String keyPem() {
        return Pem.encode("PRIVATE KEY", keyPkcs8);
    }

    String bundlePem() {
        return Pem.encodeCertificates(bundle);
    }

    /** Number of CA certificates in each federated bundle, by trust domain. */
    static Map<String, Integer> federatedBundleSizes(X509SVIDResponse response) {
        Map<String, Integer> out = new TreeMap<>();
        response.getFederatedBundlesMap().forEach((td, der) -> {
            try {
                out.put(td, Pem.decodeDerSequence(der.toByteArray()).size());
            } catch (IllegalArgumentException e) {
                throw new CliException("the Workload API sent a malformed federated bundle for " + td + ": " + e.getMessage(), e);
            }
        });
        return out;
    }

    /** Short JSON for streams: ID, hint and expiry. */
    ObjectNode toShortJson() {
        ObjectNode o = Json.object();
        o.put("spiffe_id", spiffeId);
        o.put("hint", hint);
        o.put("expires_at", expiresAt());
        return o;
    }

    ObjectNode toJson() {
        ObjectNode o = toShortJson();
        o.put("not_before", Json.time(leaf().getNotBefore().toInstant()));
        o.put("chain_length", chain.size());
        o.put("bundle_size", bundle.size());
        return o;
    }

    static ArrayNode shortJson(List<SvidView> svids) {
        ArrayNode arr = Json.array();
        svids.forEach(s -> arr.add(s.toShortJson()));
        return arr;
    }
}
