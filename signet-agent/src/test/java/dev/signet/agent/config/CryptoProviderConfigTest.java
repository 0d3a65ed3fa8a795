package dev.signet.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.config.ConfigException;
import dev.signet.core.x509.SigningProvider.Choice;
import org.junit.jupiter.api.Test;

/** {@code crypto_provider}: {@code auto} by default, {@code conscrypt} or {@code bouncycastle}; anything else is an error naming the key. */
class CryptoProviderConfigTest {
    private static AgentConfig parse(String extra) {
        return AgentConfigFixtures.minimalWith(extra);
    }

    @Test
    void values() {
        assertThat(parse("").cryptoProvider()).isEqualTo(Choice.AUTO);
        assertThat(parse("crypto_provider = \"auto\"").cryptoProvider()).isEqualTo(Choice.AUTO);
        assertThat(parse("crypto_provider = \"conscrypt\"").cryptoProvider()).isEqualTo(Choice.CONSCRYPT);
        assertThat(parse("crypto_provider = \"bouncycastle\"").cryptoProvider()).isEqualTo(Choice.BOUNCYCASTLE);
    }

    @Test
    void anUnknownProviderIsRefusedNamingTheKeyAndTheChoices() {
        assertThatThrownBy(() -> parse("crypto_provider = \"openssl\""))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("crypto_provider")
                .hasMessageContaining("\"openssl\"")
                .hasMessageContaining("auto, conscrypt or bouncycastle");
        assertThatThrownBy(() -> parse("crypto_provider = \"Conscrypt\"")).hasMessageContaining("crypto_provider");
    }
}
