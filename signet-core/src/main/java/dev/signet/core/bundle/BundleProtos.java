package dev.signet.core.bundle;

import com.google.protobuf.ByteString;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Certificates;
import dev.signet.proto.common.v1.Bundle;
import dev.signet.proto.common.v1.JWTAuthority;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts {@link TrustBundle}s to and from the wire message {@code signet.common.v1.Bundle}: X.509
 * authorities as DER certificates, JWT authorities as key ID + PKIX public key + expiry in Unix seconds
 * (0 = not recorded, {@link Instant#MAX} in the model), refresh hint in seconds (0 = the default).
 */
public final class BundleProtos {
    private BundleProtos() {}

    public static Bundle toProto(TrustBundle b) {
        Bundle.Builder pb = Bundle.newBuilder()
                .setTrustDomain(b.trustDomain().name())
                .setSequence(b.sequence())
                .setRefreshHintSeconds(b.refreshHint().toSeconds());
        for (X509Certificate c : b.x509Authorities()) {
            pb.addX509Authorities(ByteString.copyFrom(Certificates.der(c)));
        }
        for (JwtAuthority a : b.jwtAuthorities()) {
            pb.addJwtAuthorities(JWTAuthority.newBuilder()
                    .setKeyId(a.keyId())
                    .setPublicKey(ByteString.copyFrom(a.publicKeyDer()))
                    .setExpiresAtUnix(a.expiresAt().equals(Instant.MAX) ? 0 : a.expiresAt().getEpochSecond()));
        }
        return pb.build();
    }

    /**
     * Reads a bundle message.
     *
     * @throws IllegalArgumentException naming the field that is malformed (trust domain, a certificate, a key)
     */
    public static TrustBundle fromProto(Bundle p) {
        TrustDomain td;
        try {
            td = new TrustDomain(p.getTrustDomain());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bundle trust_domain: " + e.getMessage(), e);
        }
        List<X509Certificate> x509 = new ArrayList<>();
        for (ByteString der : p.getX509AuthoritiesList()) {
            try {
                x509.add(Certificates.parse(der.toByteArray()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bundle x509_authorities: " + e.getMessage(), e);
            }
        }
        List<JwtAuthority> jwt = new ArrayList<>();
        for (JWTAuthority a : p.getJwtAuthoritiesList()) {
            try {
                jwt.add(new JwtAuthority(a.getKeyId(), JwtAuthority.parsePublicKey(a.getPublicKey().toByteArray()),
                        a.getExpiresAtUnix() == 0 ? Instant.MAX : Instant.ofEpochSecond(a.getExpiresAtUnix())));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bundle jwt_authorities[" + a.getKeyId() + "]: " + e.getMessage(), e);
            }
        }
        Duration hint = p.getRefreshHintSeconds() > 0 ? Duration.ofSeconds(p.getRefreshHintSeconds()) : null;
        return new TrustBundle(td, x509, jwt, p.getSequence(), hint);
    }
}
