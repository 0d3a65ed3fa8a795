package dev.signet.server.oidc;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.signet.core.bundle.SpiffeBundleJson;
import dev.signet.core.bundle.TrustBundle;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.KeyMatch;
import dev.signet.core.x509.Pem;
import dev.signet.server.ca.JwtAlgorithm;
import dev.signet.server.ca.TrustBundles;
import dev.signet.server.config.ServerConfig;
import dev.signet.server.identity.ServerIdentity;
import dev.signet.server.store.BundleStore;
import dev.signet.server.store.StoredBundle;
import dev.signet.server.store.StoredJwtAuthority;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OIDC discovery endpoint: over HTTPS, {@code GET <issuer path>/.well-known/openid-configuration} returns
 * the discovery document (OpenID Connect Discovery 1.0 §3: {@code issuer}, {@code jwks_uri},
 * {@code response_types_supported: ["id_token"]}, {@code subject_types_supported: ["public"]},
 * {@code id_token_signing_alg_values_supported}, and an empty {@code authorization_endpoint} as SPIRE's
 * provider has), and {@code GET <issuer path>/keys} the JWKS of the JWT-SVID signing keys in the bundle —
 * JWT authorities only, with {@code use: "sig"} and {@code alg}. Anything but GET is 405, unknown paths 404.
 * Responses are {@code application/json} with {@code Cache-Control: public, max-age=60}: a new key is
 * published hours before it signs, so a minute of caching never hides a key that tokens use.
 *
 * <p>TLS uses the configured certificate files (re-read when they change, e.g. after a renewal by an ACME
 * client) or, without them, a certificate this server issues itself for the configured domain from its own
 * CA and renews at half-life. Only clients that trust this trust domain accept the latter; cloud IAM
 * providers need a publicly trusted certificate.
 */
public final class OidcDiscoveryServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OidcDiscoveryServer.class);
    static final String DISCOVERY_PATH = "/.well-known/openid-configuration";
    static final String KEYS_PATH = "/keys";
    static final String CACHE_CONTROL = "public, max-age=60";

    private final TrustDomain trustDomain;
    private final BundleStore bundles;
    private final JwtAlgorithm configuredAlgorithm;
    private final HttpsServer http;
    private final ExecutorService executor;
    private final ServerIdentity selfIssued;
    private final String issuer;
    private final String pathPrefix;

    private OidcDiscoveryServer(ServerConfig.OidcDiscovery config, TrustDomain trustDomain, BundleStore bundles,
            JwtAlgorithm configuredAlgorithm, String jwtIssuer, ServerIdentity selfIssued) throws IOException {
        this.trustDomain = trustDomain;
        this.bundles = bundles;
        this.configuredAlgorithm = configuredAlgorithm;
        this.selfIssued = selfIssued;
        Credentials credentials = selfIssued != null
                ? new Credentials() {
                    @Override
                    public List<X509Certificate> chain() {
                        return selfIssued.chain();
                    }

                    @Override
                    public PrivateKey key() {
                        return selfIssued.key();
                    }
                }
                : new FileCredentials(config.tlsCertFile(), config.tlsKeyFile());
        SSLContext ssl;
        try {
            ssl = SSLContext.getInstance("TLS");
            ssl.init(new KeyManager[] {new CurrentKeyManager(credentials)}, null, null);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS for OIDC discovery: " + e.getMessage(), e);
        }
        try {
            this.http = HttpsServer.create(new InetSocketAddress(config.bindAddress(), config.bindPort()), 64);
        } catch (IOException e) {
            throw new IOException("cannot listen for OIDC discovery on " + config.bindAddress() + ":" + config.bindPort() + ": "
                    + e.getMessage(), e);
        }
        http.setHttpsConfigurator(new HttpsConfigurator(ssl) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = getSSLContext().getDefaultSSLParameters();
                p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
                p.setNeedClientAuth(false);
                p.setWantClientAuth(false);
                params.setSSLParameters(p);
            }
        });
        this.issuer = stripTrailingSlash(config.issuerFor(http.getAddress().getPort(), jwtIssuer));
        String path = URI.create(issuer).getRawPath();
        this.pathPrefix = path == null ? "" : stripTrailingSlash(path);
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "signet-oidc-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    /**
     * Starts the listener.
     *
     * @param jwtIssuer the {@code iss} of JWT-SVIDs ({@code server.jwt_issuer}), the issuer when the config sets none
     * @param selfIssued the server-issued TLS identity to present when the config names no certificate files
     *     (ignored when it does)
     * @throws IOException if the port cannot be bound or the certificate files are unusable
     */
    public static OidcDiscoveryServer start(ServerConfig.OidcDiscovery config, TrustDomain trustDomain, BundleStore bundles,
            JwtAlgorithm configuredAlgorithm, String jwtIssuer, ServerIdentity selfIssued) throws IOException {
        OidcDiscoveryServer s = new OidcDiscoveryServer(config, trustDomain, bundles, configuredAlgorithm, jwtIssuer,
                config.tlsCertFile() == null ? selfIssued : null);
        log.info("OIDC discovery on https://{}:{}{} for issuer {}", config.bindAddress(), s.port(), s.pathPrefix + DISCOVERY_PATH,
                s.issuer);
        return s;
    }

    /** The port listened on (useful when configured as 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /** The issuer URL in the discovery document. */
    public String issuer() {
        return issuer;
    }

    /** The JWKS URL in the discovery document. */
    public String jwksUri() {
        return issuer + KEYS_PATH;
    }

    /** Renews the self-issued certificate when due; nothing to do with configured certificate files. */
    public void renewIfDue() {
        if (selfIssued != null) {
            selfIssued.renewIfDue();
        }
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }

    // ---- HTTP ----

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            boolean discovery = path.equals(pathPrefix + DISCOVERY_PATH);
            boolean keys = path.equals(pathPrefix + KEYS_PATH);
            if (!discovery && !keys) {
                send(ex, 404, "{\"error\":\"not found\"}");
                return;
            }
            if (!"GET".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().set("Allow", "GET");
                send(ex, 405, "{\"error\":\"method not allowed\"}");
                return;
            }
            String body;
            try {
                StoredBundle stored = bundles.get(trustDomain).orElse(null);
                body = discovery ? discoveryDocument(stored) : jwks(stored);
            } catch (RuntimeException e) {
                log.warn("OIDC discovery: cannot read the bundle: {}", e.toString());
                send(ex, 503, "{\"error\":\"keys unavailable\"}");
                return;
            }
            send(ex, 200, body);
        } catch (IOException | RuntimeException e) {
            log.debug("OIDC discovery request failed: {}", e.toString());
        }
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.getResponseHeaders().set("Cache-Control", status == 200 ? CACHE_CONTROL : "no-store");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    String discoveryDocument(StoredBundle stored) {
        Set<String> algs = new LinkedHashSet<>();
        algs.add(configuredAlgorithm.name());
        if (stored != null) {
            for (StoredJwtAuthority a : stored.jwtAuthorities()) {
                if (a.algorithm() != null) {
                    algs.add(a.algorithm());
                }
            }
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("issuer", issuer);
        doc.put("jwks_uri", jwksUri());
        doc.put("authorization_endpoint", "");
        doc.put("response_types_supported", List.of("id_token"));
        doc.put("subject_types_supported", List.of("public"));
        doc.put("id_token_signing_alg_values_supported", new ArrayList<>(algs));
        return JSONObjectUtils.toJSONString(doc);
    }

    String jwks(StoredBundle stored) {
        if (stored == null) {
            return "{\"keys\":[]}";
        }
        Map<String, String> algs = new HashMap<>();
        stored.jwtAuthorities().forEach(a -> algs.put(a.keyId(), a.algorithm()));
        TrustBundle b = TrustBundles.of(stored);
        return SpiffeBundleJson.oidcJwks(b, a -> algs.get(a.keyId()));
    }

    private static String stripTrailingSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    // ---- TLS ----

    /** The certificate chain and key to present now. */
    interface Credentials {
        List<X509Certificate> chain();

        PrivateKey key();
    }

    /** PEM files, re-read when either file's modification time changes. */
    static final class FileCredentials implements Credentials {
        private final Path certFile;
        private final Path keyFile;
        private volatile Loaded loaded;

        private record Loaded(List<X509Certificate> chain, PrivateKey key, FileTime certTime, FileTime keyTime) {}

        FileCredentials(Path certFile, Path keyFile) throws IOException {
            this.certFile = certFile;
            this.keyFile = keyFile;
            this.loaded = load();
        }

        private Loaded load() throws IOException {
            FileTime ct = Files.getLastModifiedTime(certFile);
            FileTime kt = Files.getLastModifiedTime(keyFile);
            List<X509Certificate> chain;
            PrivateKey key;
            try {
                chain = Pem.decodeCertificates(Files.readString(certFile));
            } catch (IllegalArgumentException e) {
                throw new IOException("oidc_discovery.tls_cert_file " + certFile + ": " + e.getMessage(), e);
            }
            try {
                key = Pem.decodePrivateKey(Files.readString(keyFile));
            } catch (IllegalArgumentException e) {
                throw new IOException("oidc_discovery.tls_key_file " + keyFile + ": " + e.getMessage()
                        + " (expected an unencrypted PKCS#8 \"PRIVATE KEY\")", e);
            }
            if (!KeyMatch.matches(chain.get(0).getPublicKey(), key)) {
                throw new IOException("oidc_discovery.tls_key_file " + keyFile + " is not the key of the certificate in " + certFile);
            }
            return new Loaded(List.copyOf(chain), key, ct, kt);
        }

        /** Snapshot after re-reading changed files; on a broken rewrite keeps serving the previous pair. */
        Loaded current() {
            Loaded l = loaded;
            try {
                if (!Files.getLastModifiedTime(certFile).equals(l.certTime()) || !Files.getLastModifiedTime(keyFile).equals(l.keyTime())) {
                    l = load();
                    loaded = l;
                    log.info("OIDC discovery: reloaded the TLS certificate from {}", certFile);
                }
            } catch (IOException e) {
                log.warn("OIDC discovery: keeping the previous TLS certificate: {}", e.getMessage());
            }
            return l;
        }

        @Override
        public List<X509Certificate> chain() {
            return current().chain();
        }

        @Override
        public PrivateKey key() {
            return current().key();
        }
    }

    /**
     * Presents whatever the credentials hold at handshake time. Each handshake's chain and key are taken
     * together (as one alias) so a renewal between the two lookups cannot pair a chain with the wrong key.
     */
    private static final class CurrentKeyManager extends X509ExtendedKeyManager {
        private final Credentials credentials;
        private final Map<String, Object[]> pairs = java.util.Collections.synchronizedMap(new LinkedHashMap<>(4, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Object[]> eldest) {
                return size() > 64;
            }
        });
        private final AtomicInteger counter = new AtomicInteger();

        CurrentKeyManager(Credentials credentials) {
            this.credentials = credentials;
        }

        private String snapshot() {
            Object[] pair = credentials instanceof FileCredentials f
                    ? pairOf(f.current())
                    : new Object[] {credentials.chain().toArray(new X509Certificate[0]), credentials.key()};
            String alias = "oidc-" + counter.incrementAndGet();
            pairs.put(alias, pair);
            return alias;
        }

        private static Object[] pairOf(Object loaded) {
            FileCredentials.Loaded l = (FileCredentials.Loaded) loaded;
            return new Object[] {l.chain().toArray(new X509Certificate[0]), l.key()};
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return snapshot();
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return snapshot();
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            Object[] p = pairs.get(alias);
            return p == null ? credentials.chain().toArray(new X509Certificate[0]) : (X509Certificate[]) p[0];
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            Object[] p = pairs.get(alias);
            return p == null ? credentials.key() : (PrivateKey) p[1];
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return new String[] {snapshot()};
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[0];
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }
}
