package dev.signet.agent.attestor.node;

import dev.signet.agent.config.AgentConfig;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** The agent's node attestor: a join token when one is given, else the configured {@code node_attestor} block. */
public final class NodeAttestorClients {
    /** Names of the built-in node attestors configurable with a block. */
    public static final List<String> BUILT_IN = List.of("x509pop", "k8s_psat", "aws_iid");

    private NodeAttestorClients() {}

    /**
     * The attestor for the first start, or null when none is configured (then a stored SVID is required).
     *
     * @throws ConfigException naming the block when it names an unknown attestor or is invalid
     */
    public static NodeAttestorClient create(AgentConfig config) {
        NodeAttestorClient fromBlock = null;
        for (Map.Entry<String, ConfigBlock> e : config.nodeAttestors().entrySet()) {
            fromBlock = create(e.getKey(), e.getValue());
        }
        if (config.joinToken() != null) {
            return new JoinTokenClient(config.joinToken());
        }
        return fromBlock;
    }

    private static NodeAttestorClient create(String name, ConfigBlock block) {
        switch (name) {
            // one case per built-in attestor: case "<name>" -> { return <Attestor>.fromConfig(block, ...); }
            case "aws_iid" -> {
                return dev.signet.agent.attestor.node.awsiid.AwsIidClient.fromConfig(block);
            }
            case "x509pop" -> {
                return dev.signet.agent.attestor.node.x509pop.X509PopClient.fromConfig(block);
            }
            case "k8s_psat" -> {
                return dev.signet.agent.attestor.node.k8spsat.K8sPsatClient.fromConfig(block);
            }
            default -> throw new ConfigException("node_attestor \"" + name + "\": unknown node attestor (built in: "
                    + new TreeSet<>(BUILT_IN) + "; join_token is set with agent.join_token)");
        }
    }
}
