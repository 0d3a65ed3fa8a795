package dev.signet.server.identity;

import dev.signet.core.spiffeid.ReservedIds;
import dev.signet.core.x509.Crypto;
import dev.signet.server.ca.CertificateAuthority;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The server's own X509-SVID ({@code spiffe://<td>/signet/server}), presented to agents on the agent API.
 * Held in memory only (a fresh key each start) and renewed at half-life or when the CA rotates.
 */
public final class ServerIdentity {
    private final CertificateAuthority ca;
    private final Duration ttl;
    private final List<String> dnsNames;
    private final Clock clock;
    private volatile Current current;

    public ServerIdentity(CertificateAuthority ca, Duration ttl, List<String> dnsNames, Clock clock) {
        this.ca = ca;
        this.ttl = ttl;
        this.dnsNames = List.copyOf(dnsNames);
        this.clock = clock;
        renew();
    }

    public synchronized void renew() {
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);
        List<X509Certificate> chain = ca.signX509Svid(ReservedIds.server(ca.trustDomain()), kp.getPublic(), ttl, dnsNames);
        current = new Current(chain, kp.getPrivate(), ca.current().certificate());
    }

    /** Renews when past half-life or signed by a CA that is no longer the active one. */
    public void renewIfDue() {
        Current c = current;
        Instant now = clock.instant();
        X509Certificate leaf = c.chain().get(0);
        Instant nb = leaf.getNotBefore().toInstant();
        Instant na = leaf.getNotAfter().toInstant();
        Instant half = nb.plus(Duration.between(nb, na).dividedBy(2));
        if (!now.isBefore(half) || !c.issuer().equals(ca.current().certificate())) {
            renew();
        }
    }

    public List<X509Certificate> chain() {
        return current.chain();
    }

    public PrivateKey key() {
        return current.key();
    }

    private record Current(List<X509Certificate> chain, PrivateKey key, X509Certificate issuer) {}
}
