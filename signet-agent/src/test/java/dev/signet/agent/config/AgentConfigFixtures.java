package dev.signet.agent.config;

import dev.signet.core.config.ConfigBlock;

/** Agent configurations for tests of single keys. */
final class AgentConfigFixtures {
    private AgentConfigFixtures() {}

    /** A minimal valid agent block (trust domain, server, insecure bootstrap) plus {@code extra} lines, parsed. */
    static AgentConfig minimalWith(String extra) {
        return AgentConfig.fromHcl(ConfigBlock.parse("agent.hcl", """
                agent {
                  trust_domain       = "example.org"
                  server_address     = "127.0.0.1"
                  insecure_bootstrap = true
                  %s
                }
                """.formatted(extra)), AgentConfig.Overrides.none());
    }
}
