package dev.signet.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.signet.it.harness.AgentRecords;
import dev.signet.it.harness.CliResult;
import dev.signet.it.harness.ItDirs;
import dev.signet.it.harness.Pki;
import dev.signet.it.harness.SignetAgent;
import dev.signet.it.harness.SignetServer;
import dev.signet.it.harness.Uids;
import dev.signet.it.harness.Uids.Uid;
import dev.signet.it.harness.Workload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A real agent process attests with {@code node_attestor "x509pop"} to a real server process, using a node
 * certificate and keys made by the openssl command line (an EC CA, an RSA node key in the traditional PKCS#1
 * PEM form), and a workload on that node fetches the SVID of an entry targeted at the node's x509pop selector.
 */
@ExtendWith(dev.signet.it.harness.SignetExtension.class)
class X509PopNodeAttestationTest {
    private static final Duration PROPAGATION = Duration.ofSeconds(30);
    private static final String CN = "node-x509.it";

    @Test
    void agentAttestsWithItsNodeCertificateAndServesAWorkloadTargetedAtItsX509popSelector() throws Exception {
        Uids.assumeRoot();
        Path pki = ItDirs.newDir("x509pop-pki");
        openssl(pki, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                "-out", "ca.pem", "-days", "2", "-subj", "/CN=IT Node CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        openssl(pki, "genrsa", "-traditional", "-out", "node.key", "2048");
        openssl(pki, "req", "-new", "-key", "node.key", "-subj", "/CN=" + CN, "-out", "node.csr");
        Files.writeString(pki.resolve("node.ext"), """
                basicConstraints = CA:FALSE
                keyUsage = critical, digitalSignature, keyEncipherment
                subjectAltName = URI:x509pop://%s/env/it, DNS:%s
                """.formatted(SignetServer.TRUST_DOMAIN, CN));
        openssl(pki, "x509", "-req", "-in", "node.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1",
                "-extfile", "node.ext", "-out", "node.pem");
        assertThat(Files.readString(pki.resolve("node.key"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        X509Certificate nodeCert = Pki.certs(pki.resolve("node.pem")).get(0);
        X509Certificate caCert = Pki.certs(pki.resolve("ca.pem")).get(0);
        String agentId = SignetServer.id("/signet/agent/x509pop/" + sha1Hex(nodeCert));

        try (SignetServer server = SignetServer.start("x509pop-server", Map.of(), """
                node_attestor "x509pop" {
                  ca_bundle_path = "%s"
                }
                """.formatted(pki.resolve("ca.pem")))) {
            Uid uid = Uids.named().orElseGet(Uids::unlisted);
            String id = SignetServer.id("/it/x509pop/web-" + uid.uid());
            server.createEntry("--spiffe-id", id, "--node-selector", "x509pop:subject:cn:" + CN, "--selector", uid.selector());

            try (SignetAgent agent = SignetAgent.startWithConfig("x509pop-agent", server, null, """
                    node_attestor "x509pop" {
                      private_key_path = "%s"
                      certificate_path = "%s"
                    }
                    """.formatted(pki.resolve("node.key"), pki.resolve("node.pem")))) {
                JsonNode record = AgentRecords.find(server, agentId);
                assertThat(record.get("attestation_type").asText()).isEqualTo("x509pop");
                assertThat(AgentRecords.selectors(record)).containsExactlyInAnyOrder(
                        "x509pop:subject:cn:" + CN,
                        "x509pop:ca:fingerprint:" + sha1Hex(caCert),
                        "x509pop:serialnumber:" + serialHex(nodeCert),
                        "x509pop:san:env:it",
                        "x509pop:dns:" + CN);

                CliResult r = Workload.fetchUntilOk(uid, agent.socket(), PROPAGATION);
                assertThat(r.json().get("svids").findValuesAsText("spiffe_id")).as(r::toString).containsExactly(id);
            }
        }
    }

    private static String sha1Hex(X509Certificate c) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(c.getEncoded()));
    }

    /** The serial as the selector spells it: lowercase hex of its big-endian bytes, no sign byte. */
    private static String serialHex(X509Certificate c) {
        byte[] b = c.getSerialNumber().toByteArray();
        int from = b.length > 1 && b[0] == 0 ? 1 : 0;
        return HexFormat.of().formatHex(b, from, b.length);
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("openssl " + String.join(" ", args) + " did not finish");
        }
        assertThat(p.exitValue()).as("openssl %s:%n%s", String.join(" ", args), out).isZero();
    }
}
