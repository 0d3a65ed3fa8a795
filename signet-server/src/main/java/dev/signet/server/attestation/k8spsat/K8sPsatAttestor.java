package dev.signet.server.attestation.k8spsat;

import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.ReservedIds;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.x509.Pem;
import dev.signet.server.attestation.AttestationResult;
import dev.signet.server.attestation.NodeAttestor;
import dev.signet.server.attestation.k8spsat.KubernetesApi.KubeApiException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code k8s_psat} node attestor, server side (see the package documentation for the steps and statuses).
 * Configured with {@code node_attestor "k8s_psat" { clusters = { "<name>" = { ... } } }}.
 */
public final class K8sPsatAttestor implements NodeAttestor {
    public static final String NAME = "k8s_psat";
    public static final List<String> DEFAULT_AUDIENCE = List.of("signet-server");
    public static final String IN_CLUSTER_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";
    public static final String IN_CLUSTER_CA = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
    /** Longest token accepted from an agent (projected tokens are around 1 KiB). */
    static final int MAX_TOKEN_CHARS = 16 * 1024;
    static final Duration API_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(K8sPsatAttestor.class);
    private static final String SA_PREFIX = "system:serviceaccount:";
    static final String EXTRA_POD_NAME = "authentication.kubernetes.io/pod-name";
    static final String EXTRA_POD_UID = "authentication.kubernetes.io/pod-uid";

    private final TrustDomain trustDomain;
    private final Map<String, Cluster> clusters;

    /** One configured cluster: who may attest through it and how to reach its API. */
    record Cluster(String name, Set<String> serviceAccountAllowList, List<String> audience, Set<String> allowedNodeLabelKeys,
            Set<String> allowedPodLabelKeys, KubernetesApi api) {}

    K8sPsatAttestor(TrustDomain trustDomain, Map<String, Cluster> clusters) {
        this.trustDomain = trustDomain;
        this.clusters = Map.copyOf(clusters);
    }

    /**
     * From the {@code node_attestor "k8s_psat"} block, with in-cluster defaults from the process environment.
     *
     * @throws ConfigException naming the key that is wrong
     */
    public static K8sPsatAttestor fromConfig(ConfigBlock block, TrustDomain trustDomain, Clock clock) {
        return fromConfig(block, trustDomain, clock, System.getenv());
    }

    /** As {@link #fromConfig(ConfigBlock, TrustDomain, Clock)}, with {@code env} standing for the environment. */
    static K8sPsatAttestor fromConfig(ConfigBlock block, TrustDomain trustDomain, Clock clock, Map<String, String> env) {
        ConfigBlock clustersBlock = block.block("clusters");
        block.rejectUnknownKeys();
        Map<String, Cluster> clusters = new LinkedHashMap<>();
        for (String name : clustersBlock.keys()) {
            String problem = SpiffeId.segmentProblem(name);
            if (problem != null) {
                throw clustersBlock.invalid(name, "a cluster name becomes part of the agent ID and must be a valid path segment: " + problem);
            }
            clusters.put(name, cluster(name, clustersBlock.block(name), clock, env));
        }
        if (clusters.isEmpty()) {
            log.warn("{}: no clusters configured: every k8s_psat attestation will be refused", block.pathOf("clusters"));
        }
        return new K8sPsatAttestor(trustDomain, clusters);
    }

    private static Cluster cluster(String name, ConfigBlock c, Clock clock, Map<String, String> env) {
        List<String> allow = c.stringList("service_account_allow_list", List.of());
        if (allow.isEmpty()) {
            throw c.invalid("service_account_allow_list", "required: the service accounts (\"<namespace>:<name>\") agents run as");
        }
        for (String sa : allow) {
            String[] parts = sa.split(":", -1);
            if (parts.length != 2 || !KubernetesApi.OBJECT_NAME.matcher(parts[0]).matches()
                    || !KubernetesApi.OBJECT_NAME.matcher(parts[1]).matches()) {
                throw c.invalid("service_account_allow_list", "\"" + sa + "\" is not \"<namespace>:<service account>\"");
            }
        }
        List<String> audience = c.stringList("audience", DEFAULT_AUDIENCE);
        if (audience.isEmpty() || audience.stream().anyMatch(String::isBlank)) {
            throw c.invalid("audience", "must name at least one non-empty audience");
        }
        URI url = apiUrl(c, env);
        Path caPath = Path.of(c.string("kube_ca_path", IN_CLUSTER_CA));
        Path tokenPath = Path.of(c.string("kube_token_path", IN_CLUSTER_TOKEN));
        Set<String> nodeLabels = new LinkedHashSet<>(c.stringList("allowed_node_label_keys", List.of()));
        Set<String> podLabels = new LinkedHashSet<>(c.stringList("allowed_pod_label_keys", List.of()));
        c.rejectUnknownKeys();
        List<X509Certificate> cas;
        try {
            cas = Pem.decodeCertificates(Files.readString(caPath, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw c.invalid("kube_ca_path", caPath + " does not exist");
        } catch (IOException e) {
            throw c.invalid("kube_ca_path", "cannot read " + caPath + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw c.invalid("kube_ca_path", caPath + " holds no usable PEM certificate: " + e.getMessage());
        }
        BearerToken token;
        try {
            token = new BearerToken(tokenPath, clock);
        } catch (IOException e) {
            throw c.invalid("kube_token_path", e.getMessage());
        }
        KubernetesApi api = new KubernetesApi(name, url, cas, token, API_TIMEOUT);
        return new Cluster(name, Set.copyOf(allow), List.copyOf(audience), Set.copyOf(nodeLabels), Set.copyOf(podLabels), api);
    }

    private static URI apiUrl(ConfigBlock c, Map<String, String> env) {
        String configured = c.string("kube_api_url", null);
        String text;
        if (configured != null) {
            text = configured;
        } else {
            String host = env.get("KUBERNETES_SERVICE_HOST");
            String port = env.get("KUBERNETES_SERVICE_PORT");
            if (host == null || host.isBlank() || port == null || port.isBlank()) {
                throw c.invalid("kube_api_url", "not set, and KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not in the"
                        + " environment (the server is not running in a pod): set the cluster's API server URL");
            }
            text = "https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
        URI u;
        try {
            u = new URI(text);
        } catch (java.net.URISyntaxException e) {
            throw c.invalid("kube_api_url", "\"" + text + "\" is not a URL: " + e.getMessage());
        }
        if (!"https".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
            throw c.invalid("kube_api_url", "\"" + text + "\" must be an https:// URL with a host (the server sends its token there)");
        }
        if (u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null) {
            throw c.invalid("kube_api_url", "\"" + text + "\" must not have user info, a query or a fragment");
        }
        return u;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The configured cluster names (tests, logs). */
    Set<String> clusters() {
        return clusters.keySet();
    }

    @Override
    public AttestationResult attest(byte[] payload, Session session) throws AttestationFailure {
        String[] clusterAndToken = parsePayload(payload);
        String clusterName = clusterAndToken[0];
        String token = clusterAndToken[1];
        Cluster cluster = clusters.get(clusterName);
        if (cluster == null) {
            throw new AttestationFailure(Reason.INVALID, NAME + ": cluster \"" + truncate(clusterName) + "\" is not configured on this server"
                    + " (configured: " + new TreeSet<>(clusters.keySet()) + ")");
        }
        String where = NAME + ": cluster \"" + clusterName + "\": ";
        try {
            return verify(cluster, token, where);
        } catch (KubeApiException e) {
            throw new AttestationFailure(Reason.UNAVAILABLE, NAME + ": " + e.getMessage());
        }
    }

    private AttestationResult verify(Cluster cluster, String token, String where) throws AttestationFailure, KubeApiException {
        KubernetesApi.TokenReview review = cluster.api().reviewToken(token, cluster.audience());
        if (!review.authenticated()) {
            String why = review.error() == null || review.error().isBlank() ? "" : ": " + truncate(review.error());
            throw new AttestationFailure(Reason.DENIED, where + "the Kubernetes API did not authenticate the token" + why);
        }
        if (review.audiences().stream().noneMatch(cluster.audience()::contains)) {
            throw new AttestationFailure(Reason.DENIED, where + "the token is not for audience " + cluster.audience()
                    + " (the TokenReview confirmed " + review.audiences() + ")");
        }
        String username = review.username() == null ? "" : review.username();
        String[] nsSa = username.startsWith(SA_PREFIX) ? username.substring(SA_PREFIX.length()).split(":", -1) : new String[0];
        if (nsSa.length != 2 || nsSa[0].isEmpty() || nsSa[1].isEmpty()) {
            throw new AttestationFailure(Reason.DENIED, where + "the token is not a service account token (user \""
                    + truncate(username) + "\")");
        }
        String ns = nsSa[0];
        String sa = nsSa[1];
        if (!cluster.serviceAccountAllowList().contains(ns + ":" + sa)) {
            throw new AttestationFailure(Reason.DENIED, where + "service account \"" + ns + ":" + sa
                    + "\" is not in service_account_allow_list " + new TreeSet<>(cluster.serviceAccountAllowList()));
        }
        String podName = single(review.extra(), EXTRA_POD_NAME);
        String podUid = single(review.extra(), EXTRA_POD_UID);
        if (podName == null || podUid == null) {
            throw new AttestationFailure(Reason.DENIED, where + "the token is not bound to a pod (use a projected service"
                    + " account token, not a secret-based one)");
        }
        if (!KubernetesApi.OBJECT_NAME.matcher(ns).matches() || !KubernetesApi.OBJECT_NAME.matcher(podName).matches()) {
            throw new AttestationFailure(Reason.DENIED, where + "the token names pod \"" + truncate(ns) + "/" + truncate(podName)
                    + "\", which is not a valid Kubernetes name");
        }
        Optional<KubernetesApi.Pod> pod = cluster.api().pod(ns, podName);
        if (pod.isEmpty()) {
            throw new AttestationFailure(Reason.DENIED, where + "pod " + ns + "/" + podName + " the token is bound to does not exist");
        }
        if (!podUid.equals(pod.get().uid())) {
            throw new AttestationFailure(Reason.DENIED, where + "the token is bound to pod " + ns + "/" + podName + " with UID "
                    + podUid + ", but the pod by that name now has UID " + pod.get().uid() + " (the pod was recreated)");
        }
        String nodeName = pod.get().nodeName();
        if (nodeName == null || nodeName.isEmpty() || !KubernetesApi.OBJECT_NAME.matcher(nodeName).matches()) {
            throw new AttestationFailure(Reason.DENIED, where + "pod " + ns + "/" + podName + " is not scheduled on a node"
                    + (nodeName == null || nodeName.isEmpty() ? "" : " (node name \"" + truncate(nodeName) + "\" is invalid)"));
        }
        Optional<KubernetesApi.Node> node = cluster.api().node(nodeName);
        if (node.isEmpty()) {
            throw new AttestationFailure(Reason.DENIED, where + "node " + nodeName + " of pod " + ns + "/" + podName + " does not exist");
        }
        String nodeUid = node.get().uid();
        if (nodeUid == null || nodeUid.isEmpty()) {
            throw new AttestationFailure(Reason.DENIED, where + "node " + nodeName + " has no UID");
        }
        if (SpiffeId.segmentProblem(nodeUid) != null) {
            throw new AttestationFailure(Reason.DENIED, where + "node " + nodeName + " has a UID that can't be part of an agent ID");
        }

        SortedSet<Selector> selectors = new TreeSet<>();
        add(selectors, "cluster", cluster.name());
        add(selectors, "agent_ns", ns);
        add(selectors, "agent_sa", sa);
        add(selectors, "agent_pod_name", podName);
        add(selectors, "agent_pod_uid", podUid);
        if (pod.get().hostIp() != null && !pod.get().hostIp().isEmpty()) {
            add(selectors, "agent_node_ip", pod.get().hostIp());
        }
        add(selectors, "agent_node_name", nodeName);
        add(selectors, "agent_node_uid", nodeUid);
        node.get().labels().forEach((k, v) -> {
            if (cluster.allowedNodeLabelKeys().contains(k)) {
                add(selectors, "agent_node_label", k + ":" + v);
            }
        });
        pod.get().labels().forEach((k, v) -> {
            if (cluster.allowedPodLabelKeys().contains(k)) {
                add(selectors, "agent_pod_label", k + ":" + v);
            }
        });
        SpiffeId agentId = ReservedIds.agent(trustDomain, NAME, cluster.name(), nodeUid);
        return new AttestationResult(NAME, agentId, selectors, true);
    }

    private static void add(SortedSet<Selector> selectors, String key, String value) {
        try {
            selectors.add(new Selector(NAME, key + ":" + value));
        } catch (IllegalArgumentException e) {
            // a value a selector can't hold (control characters, over-long): no selector rather than a failure
            log.warn("{}: skipping selector {}: {}", NAME, key, e.getMessage());
        }
    }

    /** {@code {"cluster": ..., "token": ...}} → [cluster, token]; INVALID when malformed. */
    private static String[] parsePayload(byte[] payload) throws AttestationFailure {
        Map<String, Object> json;
        try {
            json = Json.parse(new String(payload, StandardCharsets.UTF_8), MAX_TOKEN_CHARS + 1024);
        } catch (ParseException e) {
            throw new AttestationFailure(Reason.INVALID, NAME + ": payload is not the expected JSON object"
                    + " {\"cluster\": ..., \"token\": ...}: " + e.getMessage());
        }
        String cluster;
        String token;
        try {
            cluster = Json.string(json, "cluster");
            token = Json.string(json, "token");
        } catch (ParseException e) {
            throw new AttestationFailure(Reason.INVALID, NAME + ": payload: " + e.getMessage());
        }
        if (cluster == null || cluster.isBlank()) {
            throw new AttestationFailure(Reason.INVALID, NAME + ": payload has no cluster");
        }
        if (token == null || token.isBlank()) {
            throw new AttestationFailure(Reason.INVALID, NAME + ": payload has no token");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new AttestationFailure(Reason.INVALID, NAME + ": token is longer than " + MAX_TOKEN_CHARS + " characters");
        }
        return new String[] {cluster, token};
    }

    private static String single(Map<String, List<String>> extra, String key) {
        List<String> v = extra.getOrDefault(key, List.of());
        List<String> nonEmpty = new ArrayList<>();
        for (String s : v) {
            if (!s.isEmpty()) {
                nonEmpty.add(s);
            }
        }
        return nonEmpty.size() == 1 ? nonEmpty.get(0) : null;
    }

    private static String truncate(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 200; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return s.length() > 200 ? b + "…" : b.toString();
    }
}
