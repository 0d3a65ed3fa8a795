package dev.signet.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.config.ConfigBlock;
import dev.signet.core.intention.Action;
import org.junit.jupiter.api.Test;

/** {@code default_intention_policy}: deny unless set to allow. */
class IntentionPolicyConfigTest {
    private static ServerConfig parse(String extra) {
        return ServerConfig.fromHcl(ConfigBlock.parse("server.hcl", """
                server {
                  trust_domain = "example.org"
                  %s
                }
                """.formatted(extra)), ServerConfig.Overrides.none());
    }

    @Test
    void values() {
        assertThat(parse("").defaultIntentionPolicy()).isEqualTo(Action.DENY);
        assertThat(parse("default_intention_policy = \"allow\"").defaultIntentionPolicy()).isEqualTo(Action.ALLOW);
        assertThat(parse("default_intention_policy = \"deny\"").defaultIntentionPolicy()).isEqualTo(Action.DENY);
        assertThatThrownBy(() -> parse("default_intention_policy = \"maybe\"")).hasMessageContaining("default_intention_policy");
        assertThat(parse("").withJwt(null, "https://x", 5, null).defaultIntentionPolicy()).isEqualTo(Action.DENY);
    }
}
