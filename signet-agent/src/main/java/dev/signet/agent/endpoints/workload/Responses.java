package dev.signet.agent.endpoints.workload;

import com.google.protobuf.ByteString;
import dev.signet.agent.cache.WorkloadUpdate;
import dev.signet.agent.cache.X509Identity;
import dev.signet.core.x509.Certificates;
import dev.signet.proto.workload.X509BundlesResponse;
import dev.signet.proto.workload.X509SVID;
import dev.signet.proto.workload.X509SVIDResponse;
import java.security.PrivateKey;
import java.util.List;

/** Builds Workload API messages from a {@link WorkloadUpdate} (spiffe-rules.md W-4, W-11, W-16). */
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
                    .setSpiffeId(spiffeId(identity))
                    .setX509Svid(ByteString.copyFrom(Certificates.concat(identity.chain())))
                    .setX509SvidKey(ByteString.copyFrom(pkcs8(identity)))
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

    private static ByteString bundle(WorkloadUpdate update) {
        if (update.bundle().isEmpty()) {
            // Both reference clients reject an empty bundle (W-11); never send one.
            throw new IllegalStateException("the bundle of trust domain " + update.trustDomain() + " is empty");
        }
        return ByteString.copyFrom(Certificates.concat(update.bundle()));
    }

    /** The leaf's one URI SAN, byte for byte: java-spiffe requires {@code spiffe_id} to equal it exactly. */
    private static String spiffeId(X509Identity identity) {
        List<String> uris = Certificates.uriSans(identity.leaf());
        if (uris.size() != 1) {
            throw new IllegalStateException("the X509-SVID of entry " + identity.entry().id() + " has " + uris.size()
                    + " URI SANs, expected exactly 1");
        }
        return uris.get(0);
    }

    private static byte[] pkcs8(X509Identity identity) {
        PrivateKey key = identity.key();
        byte[] der = "PKCS#8".equals(key.getFormat()) ? key.getEncoded() : null;
        if (der == null) {
            throw new IllegalStateException("the private key of entry " + identity.entry().id() + " has no PKCS#8 encoding");
        }
        return der;
    }
}
