package dev.signet.server.attestation.awsiid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.server.attestation.AttestationResult;
import dev.signet.server.attestation.NodeAttestor;
import dev.signet.server.attestation.NodeAttestor.AttestationFailure;
import dev.signet.server.attestation.NodeAttestor.Reason;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The aws_iid attestor on its own, configured from HCL as an operator would: real PKCS#7 signatures made with a
 * test "AWS" RSA-2048 key, and EC2 enrichment through the AWS SDK against {@link FakeEc2} over HTTPS with SigV4.
 */
class AwsIidAttestorTest {
    static final TrustDomain TD = new TrustDomain("td");
    static final String ACCOUNT = "123456789012";
    static final String REGION = "us-west-2";
    static final String INSTANCE = "i-0abcdef1234567890";
    static final String IMAGE = "ami-0123456789abcdef0";
    static final String ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
    static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    static final String PROFILE = "arn:aws:iam::123456789012:instance-profile/web-prod";

    private static IidSigner aws;
    private static IidSigner attacker;
    private static FakeEc2 ec2;
    @TempDir
    static Path shared;
    private static Path awsPem;
    private static Path attackerPem;
    private static Path ec2Ca;

    @BeforeAll
    static void platform() throws Exception {
        aws = IidSigner.create("Amazon Web Services LLC");
        attacker = IidSigner.create("Amazon Web Services LLC"); // same name, other key
        awsPem = Files.writeString(shared.resolve("aws.pem"), aws.certificatePem());
        attackerPem = Files.writeString(shared.resolve("attacker.pem"), attacker.certificatePem());
        ec2 = FakeEc2.start(ACCESS_KEY, SECRET_KEY);
        ec2Ca = ec2.writeCa(shared.resolve("ec2-ca.pem"));
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("env", "prod");
        tags.put("Name", "web 1");
        ec2.add(new FakeEc2.Instance(ACCOUNT, INSTANCE, IMAGE, tags,
                List.of(Map.entry("sg-0a1b2c3d4e5f60718", "web"), Map.entry("sg-0f1e2d3c4b5a69788", "ssh-from-bastion")), PROFILE));
        ec2.add(new FakeEc2.Instance("210987654321", "i-0fedcba9876543210", IMAGE, Map.of(), List.of(), null));
    }

    @AfterAll
    static void stop() {
        ec2.close();
    }

    @BeforeEach
    void reset() {
        ec2.failWith(0);
    }

    // ---- helpers ----

    static String doc(String account, String instance) {
        return IidSigner.document(account, REGION, instance, IMAGE, "t3.micro");
    }

    static byte[] payload(String document, String signature) {
        return IidSigner.payload(document, signature);
    }

    private static ConfigBlock block(String body) {
        return ConfigBlock.parse("test.hcl", "node_attestor \"aws_iid\" {\n" + body + "\n}\n").block("node_attestor").block("aws_iid");
    }

    private static String ec2Config() {
        return "ec2_endpoint = \"" + ec2.endpoint() + "\"\n"
                + "ec2_ca_bundle_path = \"" + ec2Ca + "\"\n"
                + "access_key_id = \"" + ACCESS_KEY + "\"\n"
                + "secret_access_key = \"" + SECRET_KEY + "\"\n";
    }

    private static AwsIidAttestor attestor(String extra) {
        return AwsIidAttestor.fromConfig(block("aws_certificates = { \"default\" = \"" + awsPem + "\" }\n" + ec2Config() + extra), TD);
    }

    static final NodeAttestor.Session NO_CHALLENGES = new NodeAttestor.Session() {
        @Override
        public byte[] challenge(byte[] challenge) {
            throw new AssertionError("aws_iid sends no challenge");
        }

        @Override
        public Optional<InetAddress> peerAddress() {
            return Optional.of(InetAddress.getLoopbackAddress());
        }
    };

    private static AttestationFailure refused(NodeAttestor a, byte[] payload) {
        return catchThrowableOfType(AttestationFailure.class, () -> a.attest(payload, NO_CHALLENGES));
    }

    private static List<String> values(AttestationResult r) {
        assertThat(r.selectors()).allSatisfy(s -> assertThat(s.type()).isEqualTo("aws_iid"));
        return r.selectors().stream().map(Selector::value).toList();
    }

    // ---- accepted documents ----

    @Test
    void goodDocumentGivesAgentIdDocumentAndEc2SelectorsAndIsNotReattestable() throws Exception {
        int before = ec2.signedRequests().size();
        String document = doc(ACCOUNT, INSTANCE);
        AttestationResult r = attestor("").attest(payload(document, aws.sign(document)), NO_CHALLENGES);

        assertThat(r.attestor()).isEqualTo("aws_iid");
        assertThat(r.agentId().toString()).isEqualTo("spiffe://td/signet/agent/aws_iid/" + ACCOUNT + "/" + REGION + "/" + INSTANCE);
        assertThat(r.reattestable()).as("trust on first use").isFalse();
        assertThat(values(r)).containsExactlyInAnyOrder(
                "account_id:" + ACCOUNT, "region:" + REGION, "az:us-west-2a", "instance:id:" + INSTANCE,
                "image:id:" + IMAGE, "instance:type:t3.micro",
                "tag:env:prod", "tag:Name:web 1",
                "sg:id:sg-0a1b2c3d4e5f60718", "sg:name:web", "sg:id:sg-0f1e2d3c4b5a69788", "sg:name:ssh-from-bastion",
                "iamrole:" + PROFILE);

        // EC2 was asked exactly once, with a SigV4 signature by the configured key for the document's region.
        List<FakeEc2.SignedRequest> reqs = ec2.signedRequests().subList(before, ec2.signedRequests().size());
        assertThat(reqs).hasSize(1);
        FakeEc2.SignedRequest req = reqs.get(0);
        assertThat(req.accessKeyId()).isEqualTo(ACCESS_KEY);
        assertThat(req.region()).isEqualTo(REGION);
        assertThat(req.service()).isEqualTo("ec2");
        assertThat(req.params()).containsEntry("Action", "DescribeInstances").containsEntry("Version", "2016-11-15")
                .containsEntry("InstanceId.1", INSTANCE);
    }

    @Test
    void documentSignedForTheRegionVerifiesWithThatRegionsCertificateOnly() throws Exception {
        AwsIidAttestor a = AwsIidAttestor.fromConfig(block("aws_certificates = { \"default\" = \"" + attackerPem + "\", \""
                + REGION + "\" = \"" + awsPem + "\" }\nskip_ec2_enrichment = true"), TD);
        String document = doc(ACCOUNT, INSTANCE);
        assertThat(a.attest(payload(document, aws.sign(document)), NO_CHALLENGES).agentId().path()).endsWith(INSTANCE);
        // the attacker's key is trusted for other regions only
        AttestationFailure f = refused(a, payload(document, attacker.sign(document)));
        assertThat(f.reason()).isEqualTo(Reason.DENIED);
        assertThat(f.getMessage()).startsWith("aws_iid: ").contains("for region " + REGION);
    }

    @Test
    void skippingEnrichmentGivesDocumentSelectorsWithoutAskingEc2() throws Exception {
        int before = ec2.signedRequests().size() + ec2.refusedRequests().size();
        String document = doc(ACCOUNT, INSTANCE);
        AttestationResult r = attestor("skip_ec2_enrichment = true").attest(payload(document, aws.sign(document)), NO_CHALLENGES);
        assertThat(values(r)).containsExactlyInAnyOrder("account_id:" + ACCOUNT, "region:" + REGION, "az:us-west-2a",
                "instance:id:" + INSTANCE, "image:id:" + IMAGE, "instance:type:t3.micro");
        assertThat(ec2.signedRequests().size() + ec2.refusedRequests().size()).isEqualTo(before);
    }

    @Test
    void agentPathTemplateShapesTheAgentId() throws Exception {
        String document = doc(ACCOUNT, INSTANCE);
        AttestationResult r = attestor("skip_ec2_enrichment = true\nagent_path_template = \"/aws_iid/<region>/<az>/<instance>\"")
                .attest(payload(document, aws.sign(document)), NO_CHALLENGES);
        assertThat(r.agentId().toString()).isEqualTo("spiffe://td/signet/agent/aws_iid/us-west-2/us-west-2a/" + INSTANCE);
    }

    @Test
    void accountInAllowListIsAccepted() throws Exception {
        String document = doc(ACCOUNT, INSTANCE);
        AttestationResult r = attestor("accounts_allow_list = [\"" + ACCOUNT + "\", \"000000000000\"]")
                .attest(payload(document, aws.sign(document)), NO_CHALLENGES);
        assertThat(values(r)).contains("account_id:" + ACCOUNT);
    }

    // ---- refused signatures ----

    @Test
    void documentTamperedInsideTheSignatureIsDenied() throws Exception {
        String original = doc(ACCOUNT, INSTANCE);
        String tampered = doc("999999999999", INSTANCE); // same length: the DER keeps its structure
        byte[] der = aws.signDer(original);
        byte[] forged = replace(der, original.getBytes(StandardCharsets.UTF_8), tampered.getBytes(StandardCharsets.UTF_8));
        AttestationFailure f = refused(attestor(""), payload(tampered, IidSigner.base64Lines(forged)));
        assertThat(f.reason()).isEqualTo(Reason.DENIED);
        assertThat(f.getMessage()).startsWith("aws_iid: the instance identity document's signature does not verify");
    }

    @Test
    void signatureByAnotherKeyIsDenied() throws Exception {
        String document = doc(ACCOUNT, INSTANCE);
        AttestationFailure f = refused(attestor(""), payload(document, attacker.sign(document)));
        assertThat(f.reason()).isEqualTo(Reason.DENIED);
        assertThat(f.getMessage()).startsWith("aws_iid: the instance identity document's signature does not verify");
    }

    @Test
    void validSignatureOfAnotherDocumentDoesNotVouchForThisOne() throws Exception {
        String signedOne = doc("210987654321", "i-0fedcba9876543210");
        String claimed = doc(ACCOUNT, INSTANCE);
        AttestationFailure f = refused(attestor(""), payload(claimed, aws.sign(signedOne)));
        assertThat(f.reason()).isEqualTo(Reason.DENIED);
        assertThat(f.getMessage()).isEqualTo("aws_iid: the signed content of the PKCS#7 signature is not the instance"
                + " identity document sent with it");
        // a whitespace-only difference is a different document too
        AttestationFailure g = refused(attestor(""), payload(claimed + "\n", aws.sign(claimed)));
        assertThat(g.reason()).isEqualTo(Reason.DENIED);
    }

    @Test
    void regionWithoutConfiguredCertificateIsDenied() throws Exception {
        AwsIidAttestor a = AwsIidAttestor.fromConfig(block("aws_certificates = { \"eu-west-1\" = \"" + awsPem + "\" }\n"
                + "skip_ec2_enrichment = true"), TD);
        String document = doc(ACCOUNT, INSTANCE);
        AttestationFailure f = refused(a, payload(document, aws.sign(document)));
        assertThat(f.reason()).isEqualTo(Reason.DENIED);
        assertThat(f.getMessage()).isEqualTo("aws_iid: no AWS certificate is configured for region us-west-2"
                + " (aws_certificates has [eu-west-1])");
    }

    @Test
    void accountNotInAllowListIsDenied() throws Exception {
        int before = ec2.signedRequests().size();
        String document = doc(ACCOUNT, INSTANCE);
        AttestationFailure f = refused(attestor("accounts_allow_list = [\"000000000000\"]"), payload(document, aws.sign(document)));
        assertThat(f.reason()).isEqualTo(Reason.DENIED);
        assertThat(f.getMessage()).isEqualTo("aws_iid: account 123456789012 is not in accounts_allow_list");
        assertThat(ec2.signedRequests()).hasSize(before);
    }

    // ---- EC2 ----

    @Test
    void instanceUnknownToEc2IsDenied() throws Exception {
        String document = doc(ACCOUNT, "i-00000000000000000");
        AttestationFailure f = refused(attestor(""), payload(document, aws.sign(document)));
        assertThat(f.reason()).isEqualTo(Reason.DENIED);
        assertThat(f.getMessage()).startsWith("aws_iid: EC2 does not know instance i-00000000000000000 in us-west-2")
                .contains("InvalidInstanceID.NotFound");
    }

    @Test
    void instanceEc2ListsUnderAnotherAccountIsDenied() throws Exception {
        String document = doc(ACCOUNT, "i-0fedcba9876543210");
        AttestationFailure f = refused(attestor(""), payload(document, aws.sign(document)));
        assertThat(f.reason()).isEqualTo(Reason.DENIED);
        assertThat(f.getMessage()).contains("under account 210987654321");
    }

    @Test
    void ec2UnreachableIsUnavailable() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        AwsIidAttestor a = AwsIidAttestor.fromConfig(block("aws_certificates = { \"default\" = \"" + awsPem + "\" }\n"
                + "ec2_endpoint = \"https://127.0.0.1:" + closedPort + "\"\nec2_timeout = \"2s\"\n"
                + "access_key_id = \"" + ACCESS_KEY + "\"\nsecret_access_key = \"" + SECRET_KEY + "\""), TD);
        String document = doc(ACCOUNT, INSTANCE);
        AttestationFailure f = refused(a, payload(document, aws.sign(document)));
        assertThat(f.reason()).isEqualTo(Reason.UNAVAILABLE);
        assertThat(f.getMessage()).startsWith("aws_iid: cannot ask EC2 about " + INSTANCE + " in us-west-2");
    }

    @Test
    void ec2ErrorIsUnavailable() throws Exception {
        ec2.failWith(503);
        String document = doc(ACCOUNT, INSTANCE);
        AttestationFailure f = refused(attestor(""), payload(document, aws.sign(document)));
        assertThat(f.reason()).isEqualTo(Reason.UNAVAILABLE);
        assertThat(f.getMessage()).startsWith("aws_iid: EC2 DescribeInstances for " + INSTANCE + " in us-west-2 failed");
    }

    @Test
    void ec2RefusingTheServersCredentialsIsUnavailable() throws Exception {
        int refusedBefore = ec2.refusedRequests().size();
        AwsIidAttestor a = AwsIidAttestor.fromConfig(block("aws_certificates = { \"default\" = \"" + awsPem + "\" }\n"
                + "ec2_endpoint = \"" + ec2.endpoint() + "\"\nec2_ca_bundle_path = \"" + ec2Ca + "\"\n"
                + "access_key_id = \"" + ACCESS_KEY + "\"\nsecret_access_key = \"not-the-secret\""), TD);
        String document = doc(ACCOUNT, INSTANCE);
        AttestationFailure f = refused(a, payload(document, aws.sign(document)));
        assertThat(f.reason()).isEqualTo(Reason.UNAVAILABLE);
        assertThat(f.getMessage()).contains("Status Code: 401").contains("check the server's AWS credentials");
        assertThat(ec2.refusedRequests().subList(refusedBefore, ec2.refusedRequests().size()))
                .contains("signature mismatch for key " + ACCESS_KEY);
    }

    @Test
    void ec2WithAnUntrustedCertificateIsUnavailable() throws Exception {
        AwsIidAttestor a = AwsIidAttestor.fromConfig(block("aws_certificates = { \"default\" = \"" + awsPem + "\" }\n"
                + "ec2_endpoint = \"" + ec2.endpoint() + "\"\nec2_ca_bundle_path = \"" + awsPem + "\"\n"
                + "access_key_id = \"" + ACCESS_KEY + "\"\nsecret_access_key = \"" + SECRET_KEY + "\""), TD);
        String document = doc(ACCOUNT, INSTANCE);
        AttestationFailure f = refused(a, payload(document, aws.sign(document)));
        assertThat(f.reason()).isEqualTo(Reason.UNAVAILABLE);
    }

    // ---- malformed payloads ----

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "not JSON                 | hello                                          | not a JSON object",
        "JSON array               | [1,2]                                          | not a JSON object",
        "no document              | {\"signature\":\"AAAA\"}                       | no \"document\"",
        "document not a string    | {\"document\":5,\"signature\":\"AAAA\"}        | no \"document\"",
        "no signature             | {\"document\":\"{}\"}                          | no \"signature\"",
        "signature not base64     | {\"document\":\"{}\",\"signature\":\"@@@\"}    | not base64",
        "signature not PKCS#7     | {\"document\":\"{\\\"region\\\":\\\"us-west-2\\\"}\",\"signature\":\"AAAA\"} | not a PKCS#7 SignedData",
    })
    void malformedPayloadIsInvalid(String name, String payload, String message) {
        AttestationFailure f = refused(attestor(""), payload.getBytes(StandardCharsets.UTF_8));
        assertThat(f.reason()).as(name).isEqualTo(Reason.INVALID);
        assertThat(f.getMessage()).startsWith("aws_iid: ").contains(message);
    }

    @Test
    void signedDocumentWithMalformedFieldsIsInvalid() throws Exception {
        for (String[] c : new String[][] {
            {"{\"accountId\":\"123\",\"region\":\"us-west-2\"}", "accountId \"123\" is malformed"},
            {"{\"accountId\":\"123456789012\",\"region\":\"us-west-2\",\"availabilityZone\":\"us-west-2a\","
                    + "\"instanceId\":\"i-0abc/../x\",\"imageId\":\"" + IMAGE + "\"}", "instanceId \"i-0abc/../x\" is malformed"},
            {"{\"accountId\":\"123456789012\",\"region\":\"us-west-2\",\"availabilityZone\":\"us-west-2a\","
                    + "\"imageId\":\"" + IMAGE + "\"}", "has no instanceId"},
            {"{\"accountId\":\"123456789012\"}", "has no valid region"},
        }) {
            AttestationFailure f = refused(attestor("skip_ec2_enrichment = true"), payload(c[0], aws.sign(c[0])));
            assertThat(f.reason()).as(c[0]).isEqualTo(Reason.INVALID);
            assertThat(f.getMessage()).as(c[0]).startsWith("aws_iid: ").contains(c[1]);
        }
    }

    @Test
    void oversizedPayloadIsInvalid() {
        AttestationFailure f = refused(attestor(""), new byte[AwsIidAttestor.MAX_PAYLOAD + 1]);
        assertThat(f.reason()).isEqualTo(Reason.INVALID);
        assertThat(f.getMessage()).contains("more than " + AwsIidAttestor.MAX_PAYLOAD);
    }

    // ---- configuration ----

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "no certificates      | skip_ec2_enrichment = true                                                | aws_certificates: required",
        "bad region key       | aws_certificates = { \"mars-1\" = \"AWS\" }                               | \"mars-1\" is neither a region",
        "missing file         | aws_certificates = { \"default\" = \"/nonexistent/aws.pem\" }             | cannot read /nonexistent/aws.pem",
        "bad account          | aws_certificates = { \"default\" = \"AWS\" } ;; accounts_allow_list = [\"12\"]        | accounts_allow_list: \"12\" is not a 12-digit",
        "template prefix      | aws_certificates = { \"default\" = \"AWS\" } ;; agent_path_template = \"/x/<instance>\" | agent_path_template: \"/x/<instance>\" must start with /aws_iid/",
        "template no instance | aws_certificates = { \"default\" = \"AWS\" } ;; agent_path_template = \"/aws_iid/<account>\" | must contain <instance>",
        "template placeholder | aws_certificates = { \"default\" = \"AWS\" } ;; agent_path_template = \"/aws_iid/<tag>/<instance>\" | unknown placeholder <tag>",
        "half credentials     | aws_certificates = { \"default\" = \"AWS\" } ;; access_key_id = \"AKIA\"      | secret_access_key: access_key_id and secret_access_key go together",
        "http endpoint        | aws_certificates = { \"default\" = \"AWS\" } ;; ec2_endpoint = \"http://ec2\" | ec2_endpoint: \"http://ec2\": expected https://",
        "unknown key          | aws_certificates = { \"default\" = \"AWS\" } ;; region = \"us-east-1\"       | node_attestor.aws_iid.region: unknown configuration key",
    })
    void badConfigurationNamesTheKey(String name, String body, String message) {
        String hcl = body.replace(";;", "\n").replace("\"AWS\"", "\"" + awsPem + "\"");
        assertThatThrownBy(() -> AwsIidAttestor.fromConfig(block(hcl), TD)).as(name)
                .isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @Test
    void certificateFileWithoutCertificateIsAConfigError() throws Exception {
        Path empty = Files.writeString(shared.resolve("empty.pem"), "not a certificate\n");
        assertThatThrownBy(() -> AwsIidAttestor.fromConfig(block("aws_certificates = { \"default\" = \"" + empty + "\" }"), TD))
                .isInstanceOf(ConfigException.class).hasMessageContaining("aws_certificates: \"default\": " + empty);
    }

    static byte[] replace(byte[] haystack, byte[] from, byte[] to) {
        assertThat(to).hasSameSizeAs(from);
        outer:
        for (int i = 0; i + from.length <= haystack.length; i++) {
            for (int j = 0; j < from.length; j++) {
                if (haystack[i + j] != from[j]) {
                    continue outer;
                }
            }
            byte[] out = haystack.clone();
            System.arraycopy(to, 0, out, i, to.length);
            return out;
        }
        throw new AssertionError("content not found in the DER");
    }
}
