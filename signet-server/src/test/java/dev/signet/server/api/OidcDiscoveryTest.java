package dev.signet.server.api;

import static dev.signet.server.api.TestServer.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.signet.core.bundle.BundleProtos;
import dev.signet.core.bundle.JwtAuthority;
import dev.signet.core.bundle.TrustBundle;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Pem;
import dev.signet.proto.admin.v1.GetBundleRequest;
import dev.signet.proto.agent.v1.NewJWTSVIDRequest;
import dev.signet.server.ca.JwtAlgorithm;
import dev.signet.server.config.ServerConfig;
import dev.signet.testing.ManualClock;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OIDC discovery over HTTPS: the discovery document, the JWKS (JWT authorities of the bundle only), GET only. */
class OidcDiscoveryTest {
    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private TestServer ts;

    @AfterEach
    void stop() {
        if (ts != null) {
            ts.close();
        }
    }

    private void start(String jwtIssuer, String issuer, Path cert, Path key) throws Exception {
        UnaryOperator<ServerConfig> c = cfg -> cfg.withJwt(JwtAlgorithm.ES256, jwtIssuer, 100,
                new ServerConfig.OidcDiscovery("127.0.0.1", 0, "localhost", issuer, cert, key));
        ts = TestServer.start(dir, clock, c);
    }

    private int port() {
        return ts.server.oidcDiscovery().orElseThrow().port();
    }

    private TrustBundle bundle() {
        return BundleProtos.fromProto(ts.admin().getBundle(GetBundleRequest.getDefaultInstance()));
    }

    /** An HTTPS client trusting exactly {@code anchors}, with hostname verification; a new one per call (new handshake). */
    private static HttpClient client(List<X509Certificate> anchors) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        for (int i = 0; i < anchors.size(); i++) {
            ks.setCertificateEntry("a" + i, anchors.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private HttpResponse<String> call(String method, String path) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("https://localhost:" + port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build();
        return client(bundle().x509Authorities()).send(req, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void discoveryDocumentNamesTheIssuerAndTheJwksWhoseKeysAreTheBundlesJwtAuthorities() throws Exception {
        start(null, null, null, null);
        String issuer = "https://localhost:" + port();

        HttpResponse<String> r = call("GET", "/.well-known/openid-configuration");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(r.headers().firstValue("Cache-Control")).hasValueSatisfying(v -> assertThat(v).contains("max-age=60"));
        Map<String, Object> doc = JSONObjectUtils.parse(r.body());
        assertThat(doc.get("issuer")).isEqualTo(issuer);
        assertThat(doc.get("jwks_uri")).isEqualTo(issuer + "/keys");
        assertThat(doc.get("response_types_supported")).isEqualTo(List.of("id_token"));
        assertThat(doc.get("subject_types_supported")).isEqualTo(List.of("public"));
        assertThat(doc.get("id_token_signing_alg_values_supported")).isEqualTo(List.of("ES256"));

        HttpResponse<String> keys = call("GET", "/keys");
        assertThat(keys.statusCode()).isEqualTo(200);
        assertThat(keys.headers().firstValue("Content-Type")).hasValue("application/json");
        JWKSet set = JWKSet.parse(keys.body());
        TrustBundle bundle = bundle();
        assertThat(set.getKeys()).hasSameSizeAs(bundle.jwtAuthorities()).isNotEmpty();
        for (JwtAuthority a : bundle.jwtAuthorities()) {
            JWK k = set.getKeyByKeyId(a.keyId());
            assertThat(k).as("key %s", a.keyId()).isNotNull();
            assertThat(k.getKeyUse()).isEqualTo(KeyUse.SIGNATURE);
            assertThat(k.getAlgorithm().getName()).isEqualTo("ES256");
            assertThat(((ECKey) k).toECPublicKey()).isEqualTo(a.publicKey());
            assertThat(k.getX509CertChain()).as("JWT authorities only: no certificates").isNull();
        }
        Map<String, Object> raw = JSONObjectUtils.parse(keys.body());
        for (Object key : (List<?>) raw.get("keys")) {
            assertThat(((Map<?, ?>) key).keySet()).map(Object::toString).containsExactlyInAnyOrder("kty", "kid", "use", "alg", "crv", "x", "y");
        }
    }

    @Test
    void aTokenValidatesWithTheServedJwksAndCarriesTheConfiguredIssuer() throws Exception {
        start("https://localhost/oidc", null, null, null);
        var agent = ts.attestNew(Map.of());
        ts.createEntry(entry("web", "spiffe://td/web").setParentId(agent.id().toString()).build());
        String token = ts.as(agent).newJWTSVID(NewJWTSVIDRequest.newBuilder().setEntryId("web").addAudience("sts.example").build())
                .getToken();

        Map<String, Object> doc = JSONObjectUtils.parse(call("GET", "/oidc/.well-known/openid-configuration").body());
        assertThat(doc.get("issuer")).isEqualTo("https://localhost/oidc");
        assertThat(doc.get("jwks_uri")).isEqualTo("https://localhost/oidc/keys");
        assertThat(call("GET", "/.well-known/openid-configuration").statusCode()).as("served under the issuer's path").isEqualTo(404);

        JWSObject jws = JWSObject.parse(token);
        assertThat(jws.getPayload().toJSONObject().get("iss")).isEqualTo(doc.get("issuer"));
        JWK key = JWKSet.parse(call("GET", "/oidc/keys").body()).getKeyByKeyId(jws.getHeader().getKeyID());
        assertThat(jws.verify(new com.nimbusds.jose.crypto.ECDSAVerifier((ECKey) key))).isTrue();
    }

    @Test
    void onlyGetIsAllowedAndUnknownPathsAreNotFound() throws Exception {
        start(null, null, null, null);
        for (String path : List.of("/.well-known/openid-configuration", "/keys")) {
            for (String method : List.of("POST", "PUT", "DELETE", "HEAD")) {
                HttpResponse<String> r = call(method, path);
                assertThat(r.statusCode()).as("%s %s", method, path).isEqualTo(405);
                assertThat(r.headers().firstValue("Allow")).hasValue("GET");
            }
        }
        assertThat(call("GET", "/").statusCode()).isEqualTo(404);
        assertThat(call("GET", "/keys/extra").statusCode()).isEqualTo(404);
        assertThat(call("GET", "/.well-known/other").statusCode()).isEqualTo(404);
    }

    @Test
    void theSelfIssuedCertificateNamesTheDomainAndChainsToTheTrustBundle() throws Exception {
        start(null, null, null, null);
        HttpRequest req = HttpRequest.newBuilder(URI.create("https://localhost:" + port() + "/keys")).GET().build();
        HttpResponse<String> r = client(bundle().x509Authorities()).send(req, HttpResponse.BodyHandlers.ofString());
        SSLSession session = r.sslSession().orElseThrow();
        X509Certificate leaf = (X509Certificate) session.getPeerCertificates()[0];
        assertThat(Pki.sans(leaf, 2)).containsExactly("localhost");
        Pki.assertValidates(List.of(leaf), bundle().x509Authorities());

        // A client that does not trust this trust domain refuses the certificate: clouds need a public one.
        KeyPair other = Crypto.generate(Crypto.KeyType.EC_P256);
        assertThatThrownBy(() -> client(List.of(selfSigned(other, "localhost"))).send(req, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(java.io.IOException.class);
    }

    @Test
    void configuredCertificateFilesAreServedAndReloadedWhenTheyChange() throws Exception {
        KeyPair k1 = Crypto.generate(Crypto.KeyType.EC_P256);
        X509Certificate c1 = selfSigned(k1, "localhost");
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Files.writeString(cert, Pem.encodeCertificates(List.of(c1)));
        Files.writeString(key, Pem.encodePrivateKey(k1.getPrivate()));
        start(null, null, cert, key);

        HttpRequest req = HttpRequest.newBuilder(URI.create("https://localhost:" + port() + "/keys")).GET().build();
        HttpResponse<String> r = client(List.of(c1)).send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.sslSession().orElseThrow().getPeerCertificates()[0]).isEqualTo(c1);

        KeyPair k2 = Crypto.generate(Crypto.KeyType.EC_P256);
        X509Certificate c2 = selfSigned(k2, "localhost");
        Files.writeString(key, Pem.encodePrivateKey(k2.getPrivate()));
        Files.writeString(cert, Pem.encodeCertificates(List.of(c2)));
        FileTime later = FileTime.from(Instant.now().plusSeconds(5));
        Files.setLastModifiedTime(cert, later);
        Files.setLastModifiedTime(key, later);

        HttpResponse<String> renewed = client(List.of(c2)).send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(renewed.sslSession().orElseThrow().getPeerCertificates()[0]).isEqualTo(c2);
    }

    @Test
    void aKeyFileThatDoesNotMatchTheCertificateStopsStartup() throws Exception {
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Files.writeString(cert, Pem.encodeCertificates(List.of(selfSigned(Crypto.generate(Crypto.KeyType.EC_P256), "localhost"))));
        Files.writeString(key, Pem.encodePrivateKey(Crypto.generate(Crypto.KeyType.EC_P256).getPrivate()));
        assertThatThrownBy(() -> start(null, null, cert, key))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("tls_key_file");
    }

    static X509Certificate selfSigned(KeyPair kp, String dns) throws Exception {
        Instant now = Instant.now();
        var b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + dns), BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=" + dns), kp.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, dns)));
        var signer = new JcaContentSignerBuilder("SHA256withECDSA").setProvider(Crypto.PROVIDER).build(kp.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    }
}
