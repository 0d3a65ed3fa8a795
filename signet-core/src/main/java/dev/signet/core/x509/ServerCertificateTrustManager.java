package dev.signet.core.x509;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The client side of a TLS connection: one check of the server's certificate chain, whichever of the JSSE entry
 * points calls it, and a refusal to act as a server. Subclasses decide what a good server certificate is
 * (a SPIFFE ID chaining to a bundle, a kubelet's name, …); no host name check is done here.
 */
public abstract class ServerCertificateTrustManager extends X509ExtendedTrustManager {
    /** Accepts the server's chain (leaf first) or throws saying why not. */
    protected abstract void checkServer(X509Certificate[] chain, String authType) throws CertificateException;

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkServer(chain, authType);
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkServer(chain, authType);
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkServer(chain, authType);
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("not a server");
    }

    /** No issuers are suggested to the server (no client certificate selection by issuer). */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
