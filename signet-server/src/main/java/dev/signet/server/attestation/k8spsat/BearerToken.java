package dev.signet.server.attestation.k8spsat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's own credential for a Kubernetes API: a bearer token kept in a file (in a pod, the kubelet
 * rotates {@code /var/run/secrets/kubernetes.io/serviceaccount/token} in place). The file is re-read when the
 * copy in memory is older than {@link #REFRESH}, or at the next use after the API answered 401; if a re-read
 * fails, the previous token is kept (and the failure logged) rather than failing attestations that may still work.
 */
final class BearerToken {
    /** How long a token read from the file is used before the file is read again. */
    static final Duration REFRESH = Duration.ofMinutes(1);

    private static final Logger log = LoggerFactory.getLogger(BearerToken.class);

    private final Path file;
    private final Clock clock;
    private String token;
    private Instant readAt;

    /**
     * Reads the file once.
     *
     * @throws IOException naming the file when it is missing, unreadable or empty
     */
    BearerToken(Path file, Clock clock) throws IOException {
        this.file = file;
        this.clock = clock;
        this.token = read(file);
        this.readAt = clock.instant();
    }

    /** The current token, re-read from the file if the copy in memory is due for a refresh. */
    synchronized String get() {
        Instant now = clock.instant();
        if (readAt == null || !now.isBefore(readAt.plus(REFRESH))) {
            try {
                token = read(file);
            } catch (IOException e) {
                log.warn("k8s_psat: keeping the previous Kubernetes API token: {}", e.getMessage());
            }
            readAt = now;
        }
        return token;
    }

    /** The API refused the token: read the file again at the next use (it may have been rotated). */
    synchronized void invalidate() {
        readAt = null;
    }

    static String read(Path file) throws IOException {
        String t;
        try {
            t = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            throw new IOException("token file " + file + " does not exist");
        } catch (IOException e) {
            throw new IOException("cannot read token file " + file + ": " + e.getMessage(), e);
        }
        if (t.isEmpty()) {
            throw new IOException("token file " + file + " is empty");
        }
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                throw new IOException("token file " + file + " holds characters a bearer token can't have");
            }
        }
        return t;
    }
}
