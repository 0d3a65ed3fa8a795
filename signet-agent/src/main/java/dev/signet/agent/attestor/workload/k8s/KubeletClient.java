package dev.signet.agent.attestor.workload.k8s;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManager;

/**
 * {@code GET <kubelet>/pods}: over HTTPS with the service-account token as {@code Authorization: Bearer} or a client
 * certificate, or over plain HTTP on the read-only port. The token, the CA and the client certificate are read
 * again every {@link K8sConfig#RELOAD_INTERVAL} (the projected token rotates); the HTTP client is rebuilt only
 * when the TLS files changed. Thread-safe; the caller ({@link PodListCache}) makes one request at a time.
 */
final class KubeletClient implements PodSource {
    /** Largest pod list accepted. A full node (110 pods) answers with a few MB. */
    static final int MAX_BODY_BYTES = 64 * 1024 * 1024;

    private final K8sConfig config;
    private final Clock clock;
    private final URI podsUri;

    private Instant reloadAt = Instant.MIN;
    private String token;
    private byte[] tlsFingerprint;
    private HttpClient http;

    KubeletClient(K8sConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.podsUri = URI.create(config.kubeletUrl() + "/pods");
    }

    URI podsUri() {
        return podsUri;
    }

    @Override
    public List<Pod> pods() throws IOException {
        HttpClient client;
        String bearer;
        synchronized (this) {
            reloadIfDue();
            client = http;
            bearer = token;
        }
        HttpRequest.Builder req = HttpRequest.newBuilder(podsUri).GET().timeout(K8sConfig.REQUEST_TIMEOUT)
                .header("Accept", "application/json");
        if (bearer != null) {
            req.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<InputStream> resp;
        try {
            resp = client.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (SSLHandshakeException e) {
            throw new IOException("TLS handshake with the kubelet at " + podsUri + " failed: " + rootMessage(e), e);
        } catch (java.net.http.HttpTimeoutException e) {
            throw new IOException("the kubelet at " + podsUri + " did not answer within " + K8sConfig.REQUEST_TIMEOUT.toSeconds() + " s", e);
        } catch (IOException e) {
            throw new IOException("cannot reach the kubelet at " + podsUri + ": " + rootMessage(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking the kubelet for pods", e);
        }
        byte[] body;
        try (InputStream in = resp.body()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (body.length > MAX_BODY_BYTES) {
            throw new IOException("the kubelet's pod list at " + podsUri + " is larger than " + MAX_BODY_BYTES + " bytes");
        }
        if (resp.statusCode() != 200) {
            String text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8).strip().replaceAll("\\p{Cntrl}", " ");
            String hint = resp.statusCode() == 401 ? " (token or client certificate not accepted)"
                    : resp.statusCode() == 403 ? " (the agent's identity lacks RBAC permission on nodes/proxy or nodes/pods)" : "";
            throw new IOException("the kubelet at " + podsUri + " answered HTTP " + resp.statusCode() + hint + (text.isEmpty() ? "" : ": " + text));
        }
        try {
            return PodListParser.parse(body);
        } catch (IOException e) {
            throw new IOException("malformed pod list from the kubelet at " + podsUri + ": " + e.getMessage(), e);
        }
    }

    private void reloadIfDue() throws IOException {
        Instant now = clock.instant();
        if (http != null && now.isBefore(reloadAt)) {
            return;
        }
        String newToken = null;
        if (config.tokenPath() != null) {
            newToken = read(config.tokenPath(), "service-account token (token_path)").strip();
            if (newToken.isEmpty()) {
                throw new IOException("service-account token (token_path) " + config.tokenPath() + " is empty");
            }
        }
        byte[] fingerprint = new byte[0];
        SSLContext ssl = null;
        if (!config.plainHttp()) {
            String ca = config.skipVerification() ? "" : read(config.caPath(), "kubelet CA (kubelet_ca_path)");
            String cert = config.certificatePath() == null ? "" : read(config.certificatePath(), "client certificate (certificate_path)");
            String key = config.privateKeyPath() == null ? "" : read(config.privateKeyPath(), "client key (private_key_path)");
            fingerprint = (ca + "\0" + cert + "\0" + key).getBytes(StandardCharsets.UTF_8);
            if (http == null || !Arrays.equals(fingerprint, tlsFingerprint)) {
                ssl = sslContext(ca, cert, key);
            }
        }
        if (http == null || ssl != null) {
            HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(K8sConfig.REQUEST_TIMEOUT).version(HttpClient.Version.HTTP_1_1);
            if (ssl != null) {
                b.sslContext(ssl);
            }
            http = b.build();
            tlsFingerprint = fingerprint;
        }
        token = newToken;
        reloadAt = now.plus(K8sConfig.RELOAD_INTERVAL);
    }

    private SSLContext sslContext(String caPem, String certPem, String keyPem) throws IOException {
        try {
            TrustManager trust;
            if (config.skipVerification()) {
                trust = KubeletTls.trustingAll();
            } else {
                List<X509Certificate> roots = KubeletTls.certificates(caPem, "kubelet CA (kubelet_ca_path) " + config.caPath());
                trust = KubeletTls.verifying(roots, config.verifyName());
            }
            KeyManager[] keys = null;
            if (config.certificatePath() != null) {
                List<X509Certificate> chain = KubeletTls.certificates(certPem, "client certificate (certificate_path) " + config.certificatePath());
                keys = KubeletTls.clientKey(chain, KubeletTls.privateKey(keyPem, "client key (private_key_path) " + config.privateKeyPath()));
            }
            return KubeletTls.context(trust, keys);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS towards the kubelet: " + e.getMessage(), e);
        }
    }

    private static String read(Path file, String what) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException(what + " " + file + " does not exist");
        } catch (IOException e) {
            throw new IOException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        String msg = String.valueOf(e.getMessage());
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            if (t.getMessage() != null) {
                msg = t.getMessage();
            }
        }
        return msg.equals("null") ? e.getClass().getSimpleName() : msg;
    }
}
