package dev.signet.server.attestation.x509pop;

import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.ReservedIds;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Pem;
import dev.signet.server.attestation.AttestationResult;
import dev.signet.server.attestation.NodeAttestor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;

/**
 * The {@code x509pop} node attestor: the agent sends a certificate chain, the server verifies it against the
 * configured CA certificates and challenges the agent to prove it holds the leaf's private key. See the
 * package documentation and docs/attestors/x509pop.md.
 */
public final class X509PopAttestor implements NodeAttestor {
    public static final String NAME = "x509pop";
    static final int DEFAULT_MAX_INTERMEDIATES = 4;
    /** A sane ceiling for max_intermediates. */
    static final int MAX_MAX_INTERMEDIATES = 16;

    private final TrustDomain trustDomain;
    private final ChainVerifier verifier;
    private final AgentPathTemplate template;
    private final boolean verifyClientIp;
    private final int maxIntermediates;

    X509PopAttestor(TrustDomain trustDomain, List<X509Certificate> cas, AgentPathTemplate template, boolean verifyClientIp,
            int maxIntermediates, Clock clock) {
        this.trustDomain = trustDomain;
        this.verifier = new ChainVerifier(cas, maxIntermediates, clock);
        this.template = template;
        this.verifyClientIp = verifyClientIp;
        this.maxIntermediates = maxIntermediates;
    }

    /**
     * Reads {@code node_attestor "x509pop" { ca_bundle_path | ca_bundle_paths, agent_path_template,
     * verify_client_ip, max_intermediates }}; the CA files are read now.
     *
     * @throws ConfigException naming the key (and file) that is wrong
     */
    public static X509PopAttestor fromConfig(TrustDomain trustDomain, ConfigBlock block, Clock clock) {
        String one = block.string("ca_bundle_path", null);
        List<String> many = block.stringList("ca_bundle_paths", null);
        String templateText = block.string("agent_path_template", AgentPathTemplate.DEFAULT);
        boolean verifyClientIp = block.bool("verify_client_ip", false);
        int maxIntermediates = block.integer("max_intermediates", DEFAULT_MAX_INTERMEDIATES);
        block.rejectUnknownKeys();
        if (one != null && many != null) {
            throw block.invalid("ca_bundle_paths", "set either ca_bundle_path or ca_bundle_paths, not both");
        }
        if (one == null && (many == null || many.isEmpty())) {
            throw block.invalid("ca_bundle_path", "is required: the PEM file(s) of the CA certificates node certificates must chain to"
                    + " (or ca_bundle_paths = [...])");
        }
        if (maxIntermediates < 0 || maxIntermediates > MAX_MAX_INTERMEDIATES) {
            throw block.invalid("max_intermediates", "must be between 0 and " + MAX_MAX_INTERMEDIATES + ", got " + maxIntermediates);
        }
        String key = one != null ? "ca_bundle_path" : "ca_bundle_paths";
        List<X509Certificate> cas = new ArrayList<>();
        for (String path : one != null ? List.of(one) : many) {
            cas.addAll(readBundle(block, key, path));
        }
        AgentPathTemplate template = AgentPathTemplate.parse(templateText, block.pathOf("agent_path_template"));
        return new X509PopAttestor(trustDomain, cas, template, verifyClientIp, maxIntermediates, clock);
    }

    private static List<X509Certificate> readBundle(ConfigBlock block, String key, String path) {
        String pem;
        try {
            pem = Files.readString(Path.of(path), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw block.invalid(key, "file " + path + " does not exist");
        } catch (IOException | RuntimeException e) {
            throw block.invalid(key, "cannot read " + path + ": " + e.getMessage());
        }
        try {
            return Pem.decodeCertificates(pem);
        } catch (IllegalArgumentException e) {
            throw block.invalid(key, path + ": " + e.getMessage());
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public AttestationResult attest(byte[] payload, Session session) throws AttestationFailure {
        List<X509Certificate> chain = X509PopPayload.parse(payload, maxIntermediates + 1);
        List<X509Certificate> path = verifier.verify(chain);
        X509Certificate leaf = path.get(0);
        if (verifyClientIp) {
            checkClientIp(leaf, session.peerAddress());
        }

        Challenge challenge = Challenge.forKey(leaf.getPublicKey());
        byte[] answer = session.challenge(challenge.encode());
        challenge.verify(answer, leaf.getPublicKey());

        SortedSet<Selector> selectors = X509PopSelectors.of(path, trustDomain);
        return new AttestationResult(NAME, agentId(leaf), selectors, true);
    }

    private SpiffeId agentId(X509Certificate leaf) throws AttestationFailure {
        Map<String, String> values = new java.util.HashMap<>();
        values.put("fingerprint", X509PopSelectors.fingerprint(leaf));
        values.put("serialnumber", X509PopSelectors.serialNumber(leaf));
        Optional<String> cn = X509PopSelectors.commonName(leaf);
        if (template.placeholders().contains("subject.cn") && cn.isEmpty()) {
            throw new AttestationFailure(Reason.DENIED, "x509pop: agent_path_template \"" + template
                    + "\" uses {{subject.cn}}, but the certificate's subject has no common name");
        }
        cn.ifPresent(v -> values.put("subject.cn", v));
        String path = template.render(values);
        String problem = AgentPathTemplate.pathProblem(path);
        if (problem != null) {
            throw new AttestationFailure(Reason.DENIED, "x509pop: agent_path_template \"" + template + "\" gives \"" + path
                    + "\" for this certificate, which is not a valid SPIFFE ID path: " + problem);
        }
        try {
            return ReservedIds.agent(trustDomain, NAME, path.split("/"));
        } catch (IllegalArgumentException e) {
            throw new AttestationFailure(Reason.DENIED, "x509pop: the agent ID for this certificate is invalid: " + e.getMessage());
        }
    }

    private static void checkClientIp(X509Certificate leaf, Optional<InetAddress> peer) throws AttestationFailure {
        if (peer.isEmpty()) {
            throw new AttestationFailure(Reason.DENIED, "x509pop: verify_client_ip is on, but the agent's address is unknown");
        }
        for (String ip : X509PopSelectors.ipSans(leaf)) {
            try {
                if (InetAddress.getByName(ip).equals(peer.get())) {
                    return;
                }
            } catch (UnknownHostException e) {
                // an IP SAN always parses; ignore one that somehow doesn't
            }
        }
        throw new AttestationFailure(Reason.DENIED, "x509pop: the agent's address " + peer.get().getHostAddress()
                + " is not among the certificate's IP SANs " + X509PopSelectors.ipSans(leaf) + " (verify_client_ip)");
    }
}
