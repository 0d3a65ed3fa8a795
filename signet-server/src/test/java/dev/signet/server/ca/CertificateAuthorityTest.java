package dev.signet.server.ca;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Crypto;
import dev.signet.server.store.Datastore;
import dev.signet.server.store.sql.SqliteDatastore;
import dev.signet.testing.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
    private static final TrustDomain TD = new TrustDomain("example.org");
    @TempDir Path dir;
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

    private CertificateAuthority ca() throws Exception {
        CertificateAuthority ca = new CertificateAuthority(TD, dir.resolve("ca"), Crypto.KeyType.EC_P256, Duration.ofHours(24), store.bundles(), clock,
                TestCrypto.provider());
        ca.initialize();
        return ca;
    }

    @Test
    void firstStartGeneratesAndPersistsKeyWithOwnerOnlyMode() throws Exception {
        CertificateAuthority ca = ca();
        assertThat(Files.getPosixFilePermissions(dir.resolve("ca/current.key"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(ca.bundle().x509Authorities()).containsExactly(ca.current().certificate());
        assertThat(ca.crypto().owns(ca.current().key())).as("the CA key is a key object of " + ca.crypto()).isTrue();
        assertThat(ca.crypto().kind()).isEqualTo(TestCrypto.provider().kind());
        X509Certificate first = ca.current().certificate();
        assertThat(ca().current().certificate()).as("a restart reuses the CA").isEqualTo(first);
    }

    @Test
    void F2_F3_successorIsPublishedBeforeItSignsAndExpiredCaIsPruned() throws Exception {
        CertificateAuthority ca = ca();
        AtomicInteger bundleChanges = new AtomicInteger();
        ca.onBundleChange(bundleChanges::incrementAndGet);
        X509Certificate first = ca.current().certificate();
        long seq0 = ca.bundle().sequence();

        clock.advance(Duration.ofHours(12).plusMinutes(1)); // half-life passed: prepare
        ca.rotateIfDue();
        assertThat(ca.current().certificate()).isEqualTo(first);
        assertThat(ca.bundle().x509Authorities()).hasSize(2);
        assertThat(ca.bundle().sequence()).isGreaterThan(seq0);
        X509Certificate prepared = ca.bundle().x509Authorities().get(1);

        clock.advance(Duration.ofHours(8)); // a sixth left: activate
        ca.rotateIfDue();
        assertThat(ca.current().certificate()).isEqualTo(prepared);
        List<X509Certificate> signed = ca.signX509Svid(SpiffeId.parse("spiffe://example.org/w"),
                Crypto.generate(Crypto.KeyType.EC_P256).getPublic(), Duration.ofMinutes(5), List.of());
        assertThat(ca.bundle().x509Authorities()).as("the signer was already in the bundle").contains(prepared);
        assertThat(signed.get(0).getIssuerX500Principal()).isEqualTo(prepared.getSubjectX500Principal());

        clock.advance(Duration.ofHours(5)); // the first CA expired
        ca.rotateIfDue();
        assertThat(ca.bundle().x509Authorities()).doesNotContain(first).contains(prepared);
        assertThat(bundleChanges.get()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void svidTtlIsCappedAtCaExpiry() throws Exception {
        CertificateAuthority ca = ca();
        List<X509Certificate> chain = ca.signX509Svid(SpiffeId.parse("spiffe://example.org/w"),
                Crypto.generate(Crypto.KeyType.EC_P256).getPublic(), Duration.ofDays(10), List.of());
        assertThat(chain.get(0).getNotAfter()).isEqualTo(ca.current().certificate().getNotAfter());
    }
}
