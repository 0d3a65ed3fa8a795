package dev.signet.server.api.agent;

import dev.signet.core.x509.SvidVerifier;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.identity.ServerIdentity;
import io.grpc.netty.GrpcSslContexts;
import dev.signet.core.x509.SigningProvider;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.KeyManagerFactoryWrapper;
import io.netty.handler.ssl.util.TrustManagerFactoryWrapper;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS for the agent API. The server presents its current server SVID (looked up per handshake, so
 * rotation needs no restart). A client certificate is optional at the TLS layer — node attestation runs
 * before the agent has one — but when presented it must be a valid X509-SVID chaining to the current
 * trust bundle; {@link AgentAuthenticator} then decides which calls need one.
 *
 * <p>The record layer is most of a busy server's CPU (every SVID batch and sync travels through it), so the engine is
 * chosen with {@code crypto_provider} ({@link Engine#select}): BoringSSL through Netty's tcnative binding
 * ({@code netty-tcnative-boringssl-static}, the engine gRPC supports) unless the operator asked for an all-Java
 * server ({@code bouncycastle}) or the native library does not load here; else the JDK's engine. Both keep one file
 * descriptor per agent connection — Conscrypt's engine was not used here because each of its SSL objects holds a pipe
 * (three descriptors per agent: a 10,000-agent run hit a 20,000-descriptor limit at ~6,600 agents,
 * bench/results/2026-12-04-final.md). Key manager and trust manager are the same objects under both engines.
 */
public final class ServerTls {
    private static final String ALIAS = "signet-server";

    private ServerTls() {}

    /** Which TLS implementation encrypts the agent API's records, and why it was chosen. */
    public record Engine(SslProvider provider, String reason) {
        /** BoringSSL (netty-tcnative) when it loads here, unless {@code bouncycastle} asked for an all-Java server. */
        public static Engine select(SigningProvider.Choice choice) {
            return select(choice, OpenSsl.isAvailable(), OpenSsl.unavailabilityCause());
        }

        static Engine select(SigningProvider.Choice choice, boolean nativeAvailable, Throwable whyNot) {
            if (choice == SigningProvider.Choice.BOUNCYCASTLE) {
                return new Engine(SslProvider.JDK, "JDK (crypto_provider = \"bouncycastle\": all-Java)");
            }
            if (nativeAvailable) {
                return new Engine(SslProvider.OPENSSL, "netty-tcnative (" + OpenSsl.versionString() + ")");
            }
            return new Engine(SslProvider.JDK, "JDK (netty-tcnative's BoringSSL did not load: "
                    + (whyNot == null ? "unknown reason" : String.valueOf(whyNot.getMessage())) + ")");
        }
    }

    /** The agent API's TLS context on the given engine. */
    public static SslContext serverContext(ServerIdentity identity, CertificateAuthority ca, Clock clock, Engine engine)
            throws SSLException {
        X509ExtendedKeyManager km = new X509ExtendedKeyManager() {
            @Override
            public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
                return ALIAS;
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return ALIAS;
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return identity.chain().toArray(new X509Certificate[0]);
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return identity.key();
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return new String[] {ALIAS};
            }

            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return new String[0];
            }

            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return null;
            }
        };
        X509ExtendedTrustManager tm = new BundleTrustManager(ca, clock);
        return GrpcSslContexts.configure(SslContextBuilder.forServer(new KeyManagerFactoryWrapper(km)), engine.provider())
                .trustManager(new TrustManagerFactoryWrapper(tm))
                .clientAuth(ClientAuth.OPTIONAL)
                .protocols("TLSv1.3", "TLSv1.2")
                .build();
    }

    /** Verifies client X509-SVIDs against the trust domain's current bundle. */
    static final class BundleTrustManager extends X509ExtendedTrustManager {
        private final CertificateAuthority ca;
        private final Clock clock;

        BundleTrustManager(CertificateAuthority ca, Clock clock) {
            this.ca = ca;
            this.clock = clock;
        }

        private void verify(X509Certificate[] chain) throws CertificateException {
            try {
                var id = SvidVerifier.verify(Arrays.asList(chain), ca.bundle().x509Authorities(), clock.instant());
                if (!id.isMemberOf(ca.trustDomain())) {
                    throw new CertificateException("client SVID " + id + " is not in trust domain " + ca.trustDomain());
                }
            } catch (CertificateException e) {
                throw e;
            } catch (GeneralSecurityException e) {
                throw new CertificateException("client certificate is not a valid X509-SVID of this trust domain: " + e.getMessage(), e);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            verify(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            verify(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            verify(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("not a client");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("not a client");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("not a client");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
