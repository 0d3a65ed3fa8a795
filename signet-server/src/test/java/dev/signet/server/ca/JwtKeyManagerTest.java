package dev.signet.server.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.server.store.Datastore;
import dev.signet.server.store.StoredBundle;
import dev.signet.server.store.StoredJwtAuthority;
import dev.signet.server.store.sql.SqliteDatastore;
import dev.signet.testing.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JWT signing key lifecycle: persisted 0600, prepared → published → activated → pruned (F-2, F-3). */
class JwtKeyManagerTest {
    private static final TrustDomain TD = new TrustDomain("example.org");
    private static final Duration KEY_TTL = Duration.ofHours(24);
    private static final Duration KEPT = Duration.ofHours(24);
    private static final SpiffeId WEB = SpiffeId.parse("spiffe://example.org/web");

    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock();
    private Datastore store;

    @BeforeEach
    void open() {
        store = SqliteDatastore.open(dir, clock);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private JwtKeyManager manager(JwtAlgorithm alg) throws Exception {
        JwtKeyManager m = new JwtKeyManager(TD, dir.resolve("jwt"), alg, KEY_TTL, KEPT, null, store.bundles(), clock,
                TestCrypto.provider());
        m.initialize();
        return m;
    }

    private List<String> publishedKids() {
        return store.bundles().get(TD).orElseThrow().jwtAuthorities().stream().map(StoredJwtAuthority::keyId).toList();
    }

    private long sequence() {
        return store.bundles().get(TD).orElseThrow().sequence();
    }

    @Test
    void firstStartGeneratesAPublishedKeyKeptOwnerOnlyAndARestartReusesIt() throws Exception {
        JwtKeyManager m = manager(JwtAlgorithm.ES256);
        JwtSigningKey k = m.current();

        assertThat(k.keyId()).hasSize(32).matches("[A-Za-z0-9_-]+");
        assertThat(k.notAfter()).isEqualTo(clock.instant().plus(KEY_TTL));
        assertThat(Files.getPosixFilePermissions(dir.resolve("jwt/current.json"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readString(dir.resolve("jwt/current.json"))).contains(k.keyId()).contains("PRIVATE KEY");
        StoredJwtAuthority published = store.bundles().get(TD).orElseThrow().jwtAuthorities().get(0);
        assertThat(published.keyId()).isEqualTo(k.keyId());
        assertThat(published.publicKey()).isEqualTo(k.publicKey().getEncoded());
        assertThat(published.expiresAt()).isEqualTo(k.notAfter());
        assertThat(published.algorithm()).isEqualTo("ES256");
        long seq = sequence();

        JwtKeyManager again = manager(JwtAlgorithm.ES256);
        assertThat(again.current().keyId()).isEqualTo(k.keyId());
        assertThat(again.current().privateKey().getEncoded()).isEqualTo(k.privateKey().getEncoded());
        assertThat(sequence()).as("a restart changes nothing in the bundle").isEqualTo(seq);
        String token = again.signJwtSvid(WEB, List.of("a"), Duration.ofMinutes(5)).token();
        assertThat(JWSObject.parse(token).verify(new ECDSAVerifier((ECPublicKey) k.publicKey()))).isTrue();
    }

    @Test
    void F2_F3_aSuccessorIsPublishedAtHalfLifeSignsAtFiveSixthsAndRetiredKeysArePrunedAfterTheirTokensExpire() throws Exception {
        JwtKeyManager m = manager(JwtAlgorithm.ES256);
        AtomicInteger changes = new AtomicInteger();
        m.onBundleChange(changes::incrementAndGet);
        JwtSigningKey first = m.current();
        long seq0 = sequence();

        clock.advance(Duration.ofHours(11));
        m.rotateIfDue();
        assertThat(m.next()).as("not yet half-life").isEmpty();
        assertThat(changes).hasValue(0);

        clock.advance(Duration.ofHours(1).plusSeconds(1)); // past half-life: prepare
        m.rotateIfDue();
        JwtSigningKey prepared = m.next().orElseThrow();
        assertThat(publishedKids()).containsExactly(first.keyId(), prepared.keyId());
        assertThat(sequence()).as("F-2 the bundle change is visible as a new sequence").isGreaterThan(seq0);
        assertThat(changes).hasValue(1);
        assertThat(m.current()).isEqualTo(first);
        assertThat(JWSObject.parse(m.signJwtSvid(WEB, List.of("a"), Duration.ofMinutes(5)).token()).getHeader().getKeyID())
                .as("a prepared key does not sign").isEqualTo(first.keyId());
        assertThat(Files.getPosixFilePermissions(dir.resolve("jwt/next.json"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));

        // A restart between preparation and activation keeps both.
        m = manager(JwtAlgorithm.ES256);
        m.onBundleChange(changes::incrementAndGet);
        assertThat(m.next().orElseThrow().keyId()).isEqualTo(prepared.keyId());
        long seqPrepared = sequence();

        clock.advance(Duration.ofHours(8)); // 4 h left of 24: activate
        m.rotateIfDue();
        assertThat(m.current().keyId()).isEqualTo(prepared.keyId());
        assertThat(m.next()).isEmpty();
        assertThat(Files.exists(dir.resolve("jwt/next.json"))).isFalse();
        JwtSvid svid = m.signJwtSvid(WEB, List.of("a"), Duration.ofMinutes(5));
        assertThat(svid.keyId()).isEqualTo(prepared.keyId());
        assertThat(publishedKids()).as("F-2 the signing key was already published").contains(prepared.keyId());
        assertThat(sequence()).as("activation does not change the bundle").isEqualTo(seqPrepared);

        clock.advance(Duration.ofHours(4)); // the first key expires; its tokens expired with it
        m.rotateIfDue();
        assertThat(publishedKids()).as("F-3 kept a while after expiry for validators' clock skew").contains(first.keyId());
        clock.advance(KEPT);
        m.rotateIfDue();
        assertThat(publishedKids()).as("F-3 pruned").doesNotContain(first.keyId()).contains(prepared.keyId());
        assertThat(sequence()).isGreaterThan(seqPrepared);
    }

    @Test
    void tokensNeverOutliveTheirKey() throws Exception {
        JwtKeyManager m = manager(JwtAlgorithm.ES256);
        clock.advance(Duration.ofHours(19));
        JwtSvid svid = m.signJwtSvid(WEB, List.of("a"), Duration.ofHours(24));
        assertThat(svid.expiresAt()).isEqualTo(m.current().notAfter());
        assertThat(svid.issuedAt()).isEqualTo(clock.instant());

        clock.advance(Duration.ofHours(6)); // nobody rotated: the key has expired
        assertThatThrownBy(() -> m.signJwtSvid(WEB, List.of("a"), Duration.ofMinutes(5)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("expired");
    }

    @Test
    void signingRefusesForeignIdsAndEmptyAudiences() throws Exception {
        JwtKeyManager m = manager(JwtAlgorithm.ES256);
        assertThatThrownBy(() -> m.signJwtSvid(SpiffeId.parse("spiffe://other.org/web"), List.of("a"), Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> m.signJwtSvid(WEB, List.of(), Duration.ofMinutes(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> m.signJwtSvid(WEB, List.of(""), Duration.ofMinutes(1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aChangedAlgorithmIsPreparedAtOnceAndSignsOnlyAfterBeingPublished() throws Exception {
        JwtKeyManager es = manager(JwtAlgorithm.ES256);
        JwtSigningKey old = es.current();

        JwtKeyManager rs = manager(JwtAlgorithm.RS256);
        assertThat(rs.current().keyId()).as("the old key keeps signing").isEqualTo(old.keyId());
        JwtSigningKey prepared = rs.next().orElseThrow();
        assertThat(prepared.algorithm()).isEqualTo(JwtAlgorithm.RS256);
        assertThat(publishedKids()).containsExactly(old.keyId(), prepared.keyId());

        // Switching again withdraws the RS256 successor, which never signed, and prepares a PS256 one.
        JwtKeyManager ps = manager(JwtAlgorithm.PS256);
        JwtSigningKey ps256 = ps.next().orElseThrow();
        assertThat(ps256.algorithm()).isEqualTo(JwtAlgorithm.PS256);
        assertThat(publishedKids()).containsExactly(old.keyId(), ps256.keyId());

        clock.advance(Duration.ofHours(20).plusSeconds(1));
        ps.rotateIfDue();
        assertThat(ps.current().keyId()).isEqualTo(ps256.keyId());
        String token = ps.signJwtSvid(WEB, List.of("a"), Duration.ofMinutes(5)).token();
        assertThat(JWSObject.parse(token).getHeader().getAlgorithm().getName()).isEqualTo("PS256");
    }

    @Test
    void anExpiredKeyOnDiskIsReplacedByItsPreparedSuccessorOrANewKey() throws Exception {
        JwtKeyManager m = manager(JwtAlgorithm.ES256);
        clock.advance(Duration.ofHours(13));
        m.rotateIfDue();
        JwtSigningKey prepared = m.next().orElseThrow();

        clock.advance(Duration.ofHours(12)); // the server was down past the current key's expiry
        JwtKeyManager restarted = manager(JwtAlgorithm.ES256);
        assertThat(restarted.current().keyId()).isEqualTo(prepared.keyId());

        clock.advance(Duration.ofDays(3)); // down past every key's expiry
        JwtKeyManager fresh = manager(JwtAlgorithm.ES256);
        assertThat(fresh.current().keyId()).isNotIn(prepared.keyId());
        assertThat(publishedKids()).containsExactly(fresh.current().keyId());
    }

    @Test
    void anUnreadableKeyFileStopsStartupNamingIt() throws Exception {
        manager(JwtAlgorithm.ES256);
        Files.writeString(dir.resolve("jwt/current.json"), "{\"key_id\":\"x\"}");
        assertThatThrownBy(() -> manager(JwtAlgorithm.ES256))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining(dir.resolve("jwt/current.json").toString());
    }

    @Test
    void theStoreBundleKeepsX509AuthoritiesBesideJwtOnes() throws Exception {
        CertificateAuthority ca = new CertificateAuthority(TD, dir.resolve("ca"), dev.signet.core.x509.Crypto.KeyType.EC_P256,
                KEY_TTL, store.bundles(), clock, TestCrypto.provider());
        ca.initialize();
        JwtKeyManager m = manager(JwtAlgorithm.ES256);
        StoredBundle b = store.bundles().get(TD).orElseThrow();
        assertThat(b.x509Authorities()).hasSize(1);
        assertThat(ca.bundle().jwtAuthorities()).extracting(a -> a.keyId()).containsExactly(m.current().keyId());
        assertThat(ca.bundle().x509Authorities()).containsExactly(ca.current().certificate());
        assertThat(ca.bundle().sequence()).isEqualTo(b.sequence());
        assertThat(ca.bundle().refreshHint()).isEqualTo(Duration.ofMinutes(5));
    }
}
