package dev.signet.agent.storage;

import dev.signet.core.files.AtomicFiles;
import dev.signet.core.x509.KeyMatch;
import dev.signet.core.x509.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * What the agent keeps on disk in its data directory so a restart needs no new join token:
 * {@code agent_svid.pem} (its SVID chain), {@code agent_svid.key} (its private key, 0600) and
 * {@code bundle.pem} (the last trust bundle it received). Each file is written atomically; the key before
 * the certificate, so a crash in between leaves at worst a key without its certificate, which reads as
 * "no SVID".
 */
public final class AgentState {
    private final Path dir;

    public AgentState(Path dir) {
        this.dir = dir;
    }

    public record Svid(List<X509Certificate> chain, PrivateKey key) {}

    public Optional<Svid> loadSvid() throws IOException {
        Path crt = dir.resolve("agent_svid.pem");
        Path key = dir.resolve("agent_svid.key");
        if (!Files.exists(crt) || !Files.exists(key)) {
            return Optional.empty();
        }
        List<X509Certificate> chain;
        PrivateKey k;
        try {
            chain = Pem.decodeCertificates(Files.readString(crt));
        } catch (IllegalArgumentException e) {
            throw new IOException("agent SVID file " + crt + " is unreadable: " + e.getMessage(), e);
        }
        try {
            k = Pem.decodePrivateKey(Files.readString(key));
        } catch (IllegalArgumentException e) {
            throw new IOException("agent key file " + key + " is unreadable: " + e.getMessage(), e);
        }
        {
            if (!KeyMatch.matches(chain.get(0).getPublicKey(), k)) {
                return Optional.empty(); // a crash between the key and certificate writes
            }
            return Optional.of(new Svid(chain, k));
        }
    }

    public void saveSvid(Svid svid) throws IOException {
        Files.createDirectories(dir);
        AtomicFiles.writeSecret(dir.resolve("agent_svid.key"), Pem.encodePrivateKey(svid.key()).getBytes(StandardCharsets.UTF_8));
        AtomicFiles.writePublic(dir.resolve("agent_svid.pem"), Pem.encodeCertificates(svid.chain()).getBytes(StandardCharsets.UTF_8));
    }

    public void deleteSvid() throws IOException {
        Files.deleteIfExists(dir.resolve("agent_svid.pem"));
        Files.deleteIfExists(dir.resolve("agent_svid.key"));
    }

    public Optional<List<X509Certificate>> loadBundle() throws IOException {
        Path f = dir.resolve("bundle.pem");
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Pem.decodeCertificates(Files.readString(f)));
        } catch (IllegalArgumentException e) {
            throw new IOException("cached bundle " + f + " is unreadable: " + e.getMessage(), e);
        }
    }

    public void saveBundle(List<X509Certificate> bundle) throws IOException {
        Files.createDirectories(dir);
        AtomicFiles.writePublic(dir.resolve("bundle.pem"), Pem.encodeCertificates(bundle).getBytes(StandardCharsets.UTF_8));
    }
}
