package dev.signet.agent.manager;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.signet.agent.jwt.TestJwts;
import dev.signet.core.bundle.JwtAuthority;
import dev.signet.proto.common.v1.Bundle;
import dev.signet.proto.common.v1.JWTAuthority;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JWT authorities the agent takes from a sync message's bundle (PKIX DER keys, EC or RSA). */
class SyncJwtAuthoritiesTest {
    @Test
    void ecAndRsaKeysAreReadAndMalformedOnesSkipped() {
        TestJwts.Key ec = TestJwts.es256("ec");
        TestJwts.Key rsa = TestJwts.rsa("rsa", com.nimbusds.jose.JWSAlgorithm.RS256);
        Bundle b = Bundle.newBuilder()
                .addJwtAuthorities(JWTAuthority.newBuilder().setKeyId("ec").setPublicKey(ByteString.copyFrom(ec.pair().getPublic().getEncoded()))
                        .setExpiresAtUnix(1_800_000_000L))
                .addJwtAuthorities(JWTAuthority.newBuilder().setKeyId("bad").setPublicKey(ByteString.copyFromUtf8("not a key")))
                .addJwtAuthorities(JWTAuthority.newBuilder().setKeyId("").setPublicKey(ByteString.copyFrom(ec.pair().getPublic().getEncoded())))
                .addJwtAuthorities(JWTAuthority.newBuilder().setKeyId("rsa").setPublicKey(ByteString.copyFrom(rsa.pair().getPublic().getEncoded())))
                .build();

        List<JwtAuthority> out = AgentManager.jwtAuthorities(b);

        assertThat(out).extracting(JwtAuthority::keyId).containsExactly("ec", "rsa");
        assertThat(out.get(0).publicKey()).isEqualTo(ec.pair().getPublic());
        assertThat(out.get(0).expiresAt()).isEqualTo(Instant.ofEpochSecond(1_800_000_000L));
        assertThat(out.get(1).publicKey()).isEqualTo(rsa.pair().getPublic());
        assertThat(out.get(1).expiresAt()).as("0 = not recorded").isEqualTo(Instant.MAX);
    }
}
