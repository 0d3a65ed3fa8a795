package dev.signet.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import dev.signet.core.x509.SigningProvider;
import org.junit.jupiter.api.Test;

/** {@code server.crypto_provider}: auto by default, conscrypt or bouncycastle when set, anything else an error naming the key. */
class CryptoProviderConfigTest {
    private static ServerConfig parse(String extra) {
        return ServerConfig.fromHcl(ConfigBlock.parse("server.hcl", "server {\n  trust_domain = \"example.org\"\n" + extra + "}\n"),
                ServerConfig.Overrides.none());
    }

    @Test
    void defaultsToAuto() {
        assertThat(parse("").cryptoProvider()).isEqualTo(SigningProvider.Choice.AUTO);
    }

    @Test
    void readsEachChoice() {
        assertThat(parse("  crypto_provider = \"auto\"\n").cryptoProvider()).isEqualTo(SigningProvider.Choice.AUTO);
        assertThat(parse("  crypto_provider = \"conscrypt\"\n").cryptoProvider()).isEqualTo(SigningProvider.Choice.CONSCRYPT);
        assertThat(parse("  crypto_provider = \"bouncycastle\"\n").cryptoProvider()).isEqualTo(SigningProvider.Choice.BOUNCYCASTLE);
    }

    @Test
    void anUnknownValueIsAnErrorNamingTheKey() {
        assertThatThrownBy(() -> parse("  crypto_provider = \"openssl\"\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("crypto_provider")
                .hasMessageContaining("unknown crypto provider \"openssl\" (expected auto, conscrypt or bouncycastle)");
    }

    @Test
    void theChoiceSurvivesTheTestAndDevModeCopies() {
        ServerConfig c = parse("  crypto_provider = \"bouncycastle\"\n");
        assertThat(c.withHttp(null).withDefaultIntentionPolicy(c.defaultIntentionPolicy()).withDatastore(c.datastore())
                .withNodeAttestors(c.nodeAttestors()).withJwt(c.jwtSigningAlgorithm(), null, 1, null).cryptoProvider())
                .isEqualTo(SigningProvider.Choice.BOUNCYCASTLE);
        assertThat(c.withCryptoProvider(SigningProvider.Choice.CONSCRYPT).cryptoProvider()).isEqualTo(SigningProvider.Choice.CONSCRYPT);
    }
}
