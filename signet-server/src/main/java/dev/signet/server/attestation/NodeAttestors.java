package dev.signet.server.attestation;

import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import dev.signet.server.config.ServerConfig;
import dev.signet.server.store.JoinTokenStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The node attestors a server accepts: {@code join_token} always, plus one per
 * {@code node_attestor "<name>" { ... }} block of the server configuration.
 */
public final class NodeAttestors {
    /** Names of the built-in node attestors configurable with a block. */
    public static final List<String> BUILT_IN = List.of("x509pop", "aws_iid", "k8s_psat");

    private NodeAttestors() {}

    /**
     * @throws ConfigException naming the block when it names an unknown attestor or is invalid
     */
    public static List<NodeAttestor> create(ServerConfig config, JoinTokenStore joinTokens, Clock clock) {
        List<NodeAttestor> out = new ArrayList<>();
        out.add(new JoinTokenAttestor(config.trustDomain(), joinTokens, clock));
        for (Map.Entry<String, ConfigBlock> e : config.nodeAttestors().entrySet()) {
            out.add(create(config, e.getKey(), e.getValue(), clock));
        }
        return List.copyOf(out);
    }

    private static NodeAttestor create(ServerConfig config, String name, ConfigBlock block, Clock clock) {
        switch (name) {
            // one case per built-in attestor: case "<name>" -> { return <Attestor>.fromConfig(block, ...); }
            case "aws_iid" -> {
                return dev.signet.server.attestation.awsiid.AwsIidAttestor.fromConfig(block, config.trustDomain());
            }
            case "x509pop" -> {
                return dev.signet.server.attestation.x509pop.X509PopAttestor.fromConfig(config.trustDomain(), block, clock);
            }
            case "k8s_psat" -> {
                return dev.signet.server.attestation.k8spsat.K8sPsatAttestor.fromConfig(block, config.trustDomain(), clock);
            }
            case JoinTokenAttestor.NAME -> throw new ConfigException("node_attestor \"join_token\": always enabled and takes no"
                    + " configuration; remove the block");
            default -> throw new ConfigException("node_attestor \"" + name + "\": unknown node attestor (built in: "
                    + new TreeSet<>(BUILT_IN) + ", and join_token, which is always on)");
        }
    }
}
