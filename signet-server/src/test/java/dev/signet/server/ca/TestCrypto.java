package dev.signet.server.ca;

import dev.signet.core.x509.SigningProvider;

/**
 * The signing provider the CA tests run with: {@code auto} (what the server chooses on this machine), or the one
 * named by the system property {@code signet.test.crypto_provider}, so the suite can be run once with the
 * BouncyCastle fallback forced: {@code mvn test -pl signet-server -Dtest='dev.signet.server.ca.*Test'
 * -Dsignet.test.crypto_provider=bouncycastle}.
 */
final class TestCrypto {
    private TestCrypto() {}

    static SigningProvider provider() {
        return SigningProvider.select(SigningProvider.Choice.parse(System.getProperty("signet.test.crypto_provider", "auto")));
    }
}
