package dev.signet.server.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Csrs;
import dev.signet.core.x509.SigningProvider;
import dev.signet.core.x509.SvidVerifier;
import dev.signet.server.store.Datastore;
import dev.signet.server.store.sql.SqliteDatastore;
import dev.signet.testing.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.Provider;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one provider signs, the others verify: X509-SVIDs and CA certificates signed through Conscrypt verify with
 * BouncyCastle and the JDK and vice versa, JWT-SVIDs minted with Conscrypt keys validate with Nimbus on
 * BouncyCastle and the JDK, and key files written under one provider load and sign under the other.
 */
class CrossProviderSigningTest {
    private static final TrustDomain TD = new TrustDomain("example.org");
    private static final SpiffeId WEB = SpiffeId.parse("spiffe://example.org/web");
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

    /** BouncyCastle and, where it loads, Conscrypt. */
    private static List<SigningProvider> providers() {
        List<SigningProvider> out = new ArrayList<>();
        out.add(SigningProvider.select(SigningProvider.Choice.BOUNCYCASTLE));
        SigningProvider auto = SigningProvider.select(SigningProvider.Choice.AUTO);
        if (auto.kind() == SigningProvider.Choice.CONSCRYPT) {
            out.add(auto);
        }
        return out;
    }

    /** The JCA providers certificates are verified with: the JDK's default (null), BouncyCastle, Conscrypt if it loads. */
    private static List<Provider> verifiers() {
        List<Provider> out = new ArrayList<>();
        out.add(null);
        providers().forEach(p -> out.add(p.provider()));
        return out;
    }

    private CertificateAuthority ca(String name, SigningProvider crypto, Crypto.KeyType type) throws Exception {
        CertificateAuthority ca = new CertificateAuthority(TD, dir.resolve(name), type, Duration.ofHours(24), store.bundles(), clock, crypto);
        ca.initialize();
        return ca;
    }

    @Test
    void certificatesSignedByEitherProviderVerifyWithEveryProvider() throws Exception {
        int n = 0;
        for (SigningProvider signer : providers()) {
            for (Crypto.KeyType type : List.of(Crypto.KeyType.EC_P256, Crypto.KeyType.EC_P384)) {
                CertificateAuthority ca = ca("ca-" + n++, signer, type);
                X509Certificate root = ca.current().certificate();
                KeyPair workload = Crypto.generate(Crypto.KeyType.EC_P256);
                PublicKey key = ca.verifiedCsrKey(Csrs.create(workload));
                X509Certificate leaf = ca.signX509Svid(WEB, key, Duration.ofHours(1), List.of("web.example.org")).get(0);
                X509Certificate fromDer = Certificates.parse(ca.signX509SvidDer(WEB, key, Duration.ofHours(1), List.of()));
                for (Provider v : verifiers()) {
                    // X509Certificate.verify throws when the signature does not verify
                    if (v == null) {
                        root.verify(root.getPublicKey());
                        leaf.verify(root.getPublicKey());
                        fromDer.verify(root.getPublicKey());
                    } else {
                        root.verify(root.getPublicKey(), v);
                        leaf.verify(root.getPublicKey(), v);
                        fromDer.verify(root.getPublicKey(), v);
                    }
                }
                SvidVerifier.verify(List.of(leaf), List.of(root), clock.instant());
                assertThat(leaf.getPublicKey().getEncoded()).isEqualTo(workload.getPublic().getEncoded());
                assertThat(fromDer.getSubjectAlternativeNames().stream().map(l -> (Object) l.get(1)).toList()).containsExactly(WEB.toString());
            }
        }
    }

    @Test
    void caKeyFilesWrittenUnderOneProviderLoadAndSignUnderTheOther() throws Exception {
        List<SigningProvider> ps = providers();
        for (SigningProvider first : ps) {
            for (SigningProvider second : ps) {
                String name = "ca-" + first + "-" + second;
                CertificateAuthority a = ca(name, first, Crypto.KeyType.EC_P256);
                assertThat(Files.getPosixFilePermissions(dir.resolve(name).resolve("current.key")))
                        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
                assertThat(Files.readString(dir.resolve(name).resolve("current.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
                CertificateAuthority b = ca(name, second, Crypto.KeyType.EC_P256);
                assertThat(b.current().certificate()).as("the restart under " + second + " reuses the CA").isEqualTo(a.current().certificate());
                assertThat(second.owns(b.current().key())).as("the loaded key is translated into " + second + "'s key object").isTrue();
                X509Certificate leaf = b.signX509Svid(WEB, Crypto.generate(Crypto.KeyType.EC_P256).getPublic(), Duration.ofMinutes(5), List.of()).get(0);
                leaf.verify(a.current().certificate().getPublicKey(), SigningProvider.bouncyCastle().provider());
                leaf.verify(a.current().certificate().getPublicKey());
            }
        }
    }

    @Test
    void csrWithABadSignatureIsRefusedByTheCaUnderEveryProvider() throws Exception {
        int n = 0;
        for (SigningProvider p : providers()) {
            CertificateAuthority ca = ca("ca-" + n++, p, Crypto.KeyType.EC_P256);
            byte[] csr = Csrs.create(Crypto.generate(Crypto.KeyType.EC_P256));
            csr[csr.length - 1] ^= 0x01;
            assertThatThrownBy(() -> ca.verifiedCsrKey(csr)).as(p.name())
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("CSR signature is invalid");
        }
    }

    @Test
    void jwtSvidsMintedUnderEitherProviderValidateWithNimbusOnBouncyCastleAndTheJdk() throws Exception {
        List<SigningProvider> ps = providers();
        for (SigningProvider first : ps) {
            for (SigningProvider second : ps) {
                for (JwtAlgorithm alg : List.of(JwtAlgorithm.ES256, JwtAlgorithm.ES384)) {
                    Path jwtDir = dir.resolve("jwt-" + first + "-" + second + "-" + alg);
                    JwtKeyManager m = new JwtKeyManager(TD, jwtDir, alg, Duration.ofHours(24), Duration.ofHours(1), "https://issuer.example",
                            store.bundles(), clock, first);
                    m.initialize();
                    assertThat(Files.getPosixFilePermissions(jwtDir.resolve("current.json"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
                    JwtKeyManager reloaded = new JwtKeyManager(TD, jwtDir, alg, Duration.ofHours(24), Duration.ofHours(1), "https://issuer.example",
                            store.bundles(), clock, second);
                    reloaded.initialize();
                    assertThat(reloaded.current().keyId()).isEqualTo(m.current().keyId());
                    for (JwtKeyManager signer : List.of(m, reloaded)) {
                        JwtSvid svid = signer.signJwtSvid(WEB, List.of("db", "cache"), Duration.ofMinutes(5));
                        SignedJWT jwt = SignedJWT.parse(svid.token());
                        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(alg.jws());
                        assertThat(jwt.getHeader().getKeyID()).isEqualTo(m.current().keyId());
                        assertThat(jwt.getHeader().toJSONObject()).containsOnlyKeys("alg", "kid", "typ");
                        assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo(WEB.toString());
                        assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly("db", "cache");
                        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo("https://issuer.example");
                        ECPublicKey pub = (ECPublicKey) m.current().publicKey();
                        ECDSAVerifier bc = new ECDSAVerifier(pub);
                        bc.getJCAContext().setProvider(SigningProvider.bouncyCastle().provider());
                        assertThat(jwt.verify(bc)).as(first + "→" + second + " " + alg + " with BouncyCastle").isTrue();
                        assertThat(jwt.verify(new ECDSAVerifier(pub))).as(first + "→" + second + " " + alg + " with the JDK").isTrue();
                    }
                }
            }
        }
    }
}
