package dev.signet.server.attestation.awsiid;

import com.nimbusds.jose.util.JSONObjectUtils;
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
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.text.ParseException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The {@code aws_iid} node attestor, server side: verifies an EC2 instance identity document by its RSA-2048
 * PKCS#7 signature, optionally enriches it through EC2 DescribeInstances, and vouches for the agent ID
 * {@code spiffe://<td>/signet/agent/aws_iid/<account>/<region>/<instance>} (trust on first use). See the package
 * documentation for the design and {@code docs/attestors/aws_iid.md} for operators.
 */
public final class AwsIidAttestor implements NodeAttestor {
    public static final String NAME = "aws_iid";
    static final String DEFAULT_PATH_TEMPLATE = "/aws_iid/<account>/<region>/<instance>";
    static final Duration DEFAULT_EC2_TIMEOUT = Duration.ofSeconds(10);
    /** Larger payloads are refused before parsing (a document and its signature are about 3 KiB). */
    static final int MAX_PAYLOAD = 64 * 1024;
    private static final String DEFAULT_REGION_KEY = "default";
    private static final Pattern PLACEHOLDER = Pattern.compile("<([a-z_]+)>");
    private static final Set<String> PLACEHOLDERS = Set.of("account", "region", "instance", "az", "image");
    private static final Logger log = LoggerFactory.getLogger(AwsIidAttestor.class);

    private final TrustDomain trustDomain;
    private final Map<String, List<X509Certificate>> certificates;
    private final Set<String> accountsAllowed;
    private final String pathTemplate;
    private final InstanceLookup ec2;

    /**
     * @param certificates AWS public certificates by region, {@code default} for every other region
     * @param accountsAllowed accounts whose instances may attest; empty for any
     * @param ec2 the DescribeInstances lookup, or null to skip enrichment
     */
    AwsIidAttestor(TrustDomain trustDomain, Map<String, List<X509Certificate>> certificates, Set<String> accountsAllowed,
            String pathTemplate, InstanceLookup ec2) {
        this.trustDomain = trustDomain;
        this.certificates = Map.copyOf(certificates);
        this.accountsAllowed = Set.copyOf(accountsAllowed);
        this.pathTemplate = pathTemplate;
        this.ec2 = ec2;
    }

    /**
     * Reads a {@code node_attestor "aws_iid" { ... }} block.
     *
     * @throws ConfigException naming the key that is missing or invalid
     */
    public static AwsIidAttestor fromConfig(ConfigBlock b, TrustDomain trustDomain) {
        Map<String, String> paths = b.stringMap("aws_certificates");
        if (paths.isEmpty()) {
            throw b.invalid("aws_certificates", "required: a map of region (or \"default\") to the PEM file of AWS's"
                    + " RSA-2048 instance identity certificate for that region, e.g. { \"default\" = \"/etc/signet/aws-rsa2048.pem\" }");
        }
        Map<String, List<X509Certificate>> certs = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : paths.entrySet()) {
            String key = e.getKey();
            if (!key.equals(DEFAULT_REGION_KEY) && !IdentityDocument.REGION.matcher(key).matches()) {
                throw b.invalid("aws_certificates", "\"" + key + "\" is neither a region name (e.g. us-east-1) nor \"default\"");
            }
            if (e.getValue() == null || e.getValue().isBlank()) {
                throw b.invalid("aws_certificates", "\"" + key + "\": expected the path of a PEM file");
            }
            certs.put(key, readCertificates(b, key, Path.of(e.getValue())));
        }
        Set<String> accounts = new TreeSet<>();
        for (String a : b.stringList("accounts_allow_list", List.of())) {
            if (!a.matches("[0-9]{12}")) {
                throw b.invalid("accounts_allow_list", "\"" + a + "\" is not a 12-digit AWS account ID");
            }
            accounts.add(a);
        }
        String template = b.string("agent_path_template", DEFAULT_PATH_TEMPLATE);
        checkTemplate(b, template);
        boolean skipEc2 = b.bool("skip_ec2_enrichment", false);
        String endpoint = b.string("ec2_endpoint", null);
        String caPath = b.string("ec2_ca_bundle_path", null);
        Duration timeout = b.duration("ec2_timeout", DEFAULT_EC2_TIMEOUT);
        String accessKey = b.string("access_key_id", null);
        String secretKey = b.string("secret_access_key", null);
        b.rejectUnknownKeys();
        if (timeout.isZero() || timeout.isNegative() || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
            throw b.invalid("ec2_timeout", "must be between 1ms and 1m");
        }
        if ((accessKey == null) != (secretKey == null)) {
            throw b.invalid(accessKey == null ? "access_key_id" : "secret_access_key",
                    "access_key_id and secret_access_key go together (or leave both out to use the default AWS credential chain)");
        }
        if (endpoint != null) {
            checkEndpoint(b, endpoint);
        }
        InstanceLookup lookup = null;
        if (!skipEc2) {
            AwsCredentialsProvider credentials = accessKey != null
                    ? StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey))
                    : DefaultCredentialsProvider.builder().build();
            TrustManager[] trust = caPath == null ? null : trustManagers(b, Path.of(caPath));
            lookup = new Ec2InstanceLookup(endpoint, credentials, trust, timeout);
        }
        return new AwsIidAttestor(trustDomain, certs, accounts, template, lookup);
    }

    private static List<X509Certificate> readCertificates(ConfigBlock b, String key, Path file) {
        try {
            List<X509Certificate> certs = Pem.decodeCertificates(Files.readString(file, StandardCharsets.US_ASCII));
            if (certs.isEmpty()) {
                throw b.invalid("aws_certificates", "\"" + key + "\": " + file + " holds no PEM certificate");
            }
            return certs;
        } catch (IOException e) {
            throw b.invalid("aws_certificates", "\"" + key + "\": cannot read " + file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw b.invalid("aws_certificates", "\"" + key + "\": " + file + " is not a PEM certificate file: " + e.getMessage());
        }
    }

    private static TrustManager[] trustManagers(ConfigBlock b, Path file) {
        try {
            List<X509Certificate> cas = Pem.decodeCertificates(Files.readString(file, StandardCharsets.US_ASCII));
            if (cas.isEmpty()) {
                throw b.invalid("ec2_ca_bundle_path", file + " holds no PEM certificate");
            }
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                ks.setCertificateEntry("ca" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return tmf.getTrustManagers();
        } catch (IOException e) {
            throw b.invalid("ec2_ca_bundle_path", "cannot read " + file + ": " + e.getMessage());
        } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
            throw b.invalid("ec2_ca_bundle_path", file + " is not a usable PEM CA bundle: " + e.getMessage());
        }
    }

    private static void checkEndpoint(ConfigBlock b, String endpoint) {
        try {
            URI u = URI.create(endpoint.replace("<region>", "us-east-1"));
            if (!"https".equals(u.getScheme()) || u.getHost() == null) {
                throw b.invalid("ec2_endpoint", "\"" + endpoint + "\": expected https://<host>[:<port>]");
            }
        } catch (IllegalArgumentException e) {
            throw b.invalid("ec2_endpoint", "\"" + endpoint + "\" is not a URL: " + e.getMessage());
        }
    }

    private static void checkTemplate(ConfigBlock b, String template) {
        if (!template.startsWith("/" + NAME + "/")) {
            throw b.invalid("agent_path_template", "\"" + template + "\" must start with /" + NAME + "/ (agent IDs of"
                    + " different attestors must not collide)");
        }
        if (!template.contains("<instance>")) {
            throw b.invalid("agent_path_template", "\"" + template + "\" must contain <instance>: the agent ID is what"
                    + " trust on first use is keyed on, so each instance needs its own");
        }
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            if (!PLACEHOLDERS.contains(m.group(1))) {
                throw b.invalid("agent_path_template", "unknown placeholder <" + m.group(1) + "> (known: "
                        + new TreeSet<>(PLACEHOLDERS) + ")");
            }
        }
        String sample = render(template, new IdentityDocument("123456789012", "us-east-1", "us-east-1a",
                "i-0123456789abcdef0", "ami-0123456789abcdef0", null, null, null));
        try {
            new SpiffeId(new TrustDomain("example.org"), ReservedIds.AGENT_PREFIX + sample);
        } catch (IllegalArgumentException e) {
            throw b.invalid("agent_path_template", "\"" + template + "\" does not give a valid SPIFFE ID path: " + e.getMessage());
        }
    }

    private static String render(String template, IdentityDocument d) {
        return template.replace("<account>", d.accountId()).replace("<region>", d.region())
                .replace("<instance>", d.instanceId()).replace("<az>", d.availabilityZone()).replace("<image>", d.imageId());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public AttestationResult attest(byte[] payload, Session session) throws AttestationFailure {
        if (payload.length > MAX_PAYLOAD) {
            throw invalid("the payload is " + payload.length + " bytes, more than " + MAX_PAYLOAD);
        }
        Map<String, Object> p;
        try {
            p = JSONObjectUtils.parse(new String(payload, StandardCharsets.UTF_8));
        } catch (ParseException e) {
            throw invalid("the payload is not a JSON object {\"document\": ..., \"signature\": ...}: " + e.getMessage());
        }
        if (!(p.get("document") instanceof String document) || document.isEmpty()) {
            throw invalid("the payload has no \"document\" (the instance identity document's text)");
        }
        if (!(p.get("signature") instanceof String signature) || signature.isEmpty()) {
            throw invalid("the payload has no \"signature\" (the base64 rsa2048 PKCS#7 signature from IMDS)");
        }
        byte[] der = IidSignature.decode(signature);
        // The region picks the certificates before the document is trusted; a false region only selects
        // certificates that then fail to verify.
        String claimedRegion = claimedRegion(document);
        List<X509Certificate> trusted = certificates.get(claimedRegion);
        String where = "for region " + claimedRegion;
        if (trusted == null) {
            trusted = certificates.get(DEFAULT_REGION_KEY);
            where = "as \"default\" (the document names region " + claimedRegion + ")";
        }
        if (trusted == null) {
            throw new AttestationFailure(Reason.DENIED, NAME + ": no AWS certificate is configured for region "
                    + claimedRegion + " (aws_certificates has " + new TreeSet<>(certificates.keySet()) + ")");
        }
        byte[] signed = IidSignature.verify(der, trusted, where);
        if (!Arrays.equals(signed, document.getBytes(StandardCharsets.UTF_8))) {
            throw new AttestationFailure(Reason.DENIED, NAME + ": the signed content of the PKCS#7 signature is not the"
                    + " instance identity document sent with it");
        }
        IdentityDocument doc = IdentityDocument.parse(document);
        if (!accountsAllowed.isEmpty() && !accountsAllowed.contains(doc.accountId())) {
            throw new AttestationFailure(Reason.DENIED, NAME + ": account " + doc.accountId() + " is not in accounts_allow_list");
        }
        SortedSet<Selector> selectors = new TreeSet<>();
        add(selectors, "account_id:" + doc.accountId());
        add(selectors, "region:" + doc.region());
        add(selectors, "az:" + doc.availabilityZone());
        add(selectors, "instance:id:" + doc.instanceId());
        add(selectors, "image:id:" + doc.imageId());
        if (doc.instanceType() != null) {
            add(selectors, "instance:type:" + doc.instanceType());
        }
        if (ec2 != null) {
            InstanceFacts facts = ec2.describe(doc.region(), doc.instanceId());
            if (facts.ownerId() != null && !facts.ownerId().equals(doc.accountId())) {
                throw new AttestationFailure(Reason.DENIED, NAME + ": EC2 lists instance " + doc.instanceId()
                        + " under account " + facts.ownerId() + ", but its document names " + doc.accountId());
            }
            facts.tags().forEach((k, v) -> add(selectors, "tag:" + k + ":" + v));
            for (InstanceFacts.SecurityGroup g : facts.securityGroups()) {
                if (g.id() != null) {
                    add(selectors, "sg:id:" + g.id());
                }
                if (g.name() != null) {
                    add(selectors, "sg:name:" + g.name());
                }
            }
            if (facts.instanceProfileArn() != null) {
                add(selectors, "iamrole:" + facts.instanceProfileArn());
            }
        }
        SpiffeId agentId;
        try {
            agentId = new SpiffeId(trustDomain, ReservedIds.AGENT_PREFIX + render(pathTemplate, doc));
        } catch (IllegalArgumentException e) {
            throw invalid("the agent ID for this document is invalid: " + e.getMessage());
        }
        return new AttestationResult(NAME, agentId, selectors, false);
    }

    /** The region the (not yet verified) document names, only to choose certificates. */
    private static String claimedRegion(String document) throws AttestationFailure {
        try {
            Object r = JSONObjectUtils.parse(document).get("region");
            if (r instanceof String s && IdentityDocument.REGION.matcher(s).matches()) {
                return s;
            }
        } catch (ParseException e) {
            throw invalid("the instance identity document is not a JSON object: " + e.getMessage());
        }
        throw invalid("the instance identity document has no valid region");
    }

    private static void add(SortedSet<Selector> selectors, String value) {
        try {
            selectors.add(new Selector(NAME, value));
        } catch (IllegalArgumentException e) {
            log.warn("{}: skipping selector {}: {}", NAME, value.replaceAll("\\p{Cntrl}", "?"), e.getMessage());
        }
    }

    private static AttestationFailure invalid(String message) {
        return new AttestationFailure(Reason.INVALID, NAME + ": " + message);
    }
}
