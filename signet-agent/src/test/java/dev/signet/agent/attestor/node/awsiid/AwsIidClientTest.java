package dev.signet.agent.attestor.node.awsiid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.signet.agent.attestor.node.NodeAttestorClient;
import dev.signet.core.config.ConfigBlock;
import dev.signet.core.config.ConfigException;
import dev.signet.testing.platform.aws.FakeImds;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The agent side of aws_iid against an IMDSv2 double: the token dance, the payload, and failures that name the endpoint. */
class AwsIidClientTest {
    private static final String DOCUMENT = "{\n  \"accountId\" : \"123456789012\",\n  \"region\" : \"us-west-2\",\n"
            + "  \"instanceId\" : \"i-0abcdef1234567890\",\n  \"kernelId\" : null\n}";
    private static final String SIGNATURE = "MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwGggCSABIIB\n"
            + "cnsKICAiYWNjb3VudElkIiA6ICIxMjM0NTY3ODkwMTIiLAo=";

    private static AwsIidClient client(String body) {
        ConfigBlock b = ConfigBlock.parse("agent.hcl", "node_attestor \"aws_iid\" {\n" + body + "\n}\n")
                .block("node_attestor").block("aws_iid");
        return AwsIidClient.fromConfig(b);
    }

    @Test
    void payloadCarriesTheDocumentExactlyAndTheSignatureReadWithAnImdsV2Token() throws Exception {
        try (FakeImds imds = FakeImds.start(DOCUMENT, SIGNATURE + "\n")) {
            NodeAttestorClient c = client("imds_endpoint = \"" + imds.endpoint() + "\"");
            assertThat(c.name()).isEqualTo("aws_iid");
            JsonNode p = new ObjectMapper().readTree(c.payload());
            assertThat(p.get("document").asText()).isEqualTo(DOCUMENT);
            assertThat(p.get("signature").asText()).isEqualTo(SIGNATURE);
            assertThat(p.size()).isEqualTo(2);
            assertThat(imds.tokenRequests()).isEqualTo(1);
            assertThat(imds.refusedReads()).isZero();

            // fresh evidence on each attempt
            imds.serve(DOCUMENT.replace("us-west-2", "eu-west-1"), SIGNATURE);
            assertThat(new ObjectMapper().readTree(c.payload()).get("document").asText()).contains("eu-west-1");
            assertThat(imds.tokenRequests()).isEqualTo(2);
        }
    }

    @Test
    void theDoubleRefusesReadsWithoutAToken() throws Exception {
        // the client's success above is meaningful only because IMDSv2 (and this double) refuses tokenless reads
        try (FakeImds imds = FakeImds.start(DOCUMENT, SIGNATURE)) {
            var http = java.net.http.HttpClient.newHttpClient();
            var resp = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(imds.endpoint()
                    + AwsIidClient.DOCUMENT_PATH)).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(resp.statusCode()).isEqualTo(401);
            assertThat(imds.refusedReads()).isEqualTo(1);
        }
    }

    @Test
    void unreachableImdsNamesTheAttestorAndEndpoint() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        AwsIidClient c = client("imds_endpoint = \"http://127.0.0.1:" + port + "\"\nimds_timeout = \"2s\"");
        assertThatThrownBy(c::payload).isInstanceOf(IOException.class)
                .hasMessageStartingWith("aws_iid: cannot reach the instance metadata service (IMDSv2) at http://127.0.0.1:" + port);
    }

    @Test
    void silentImdsTimesOut() throws Exception {
        HttpServer silent = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        CountDownLatch release = new CountDownLatch(1);
        silent.createContext("/", ex -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        silent.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        silent.start();
        try {
            String endpoint = "http://127.0.0.1:" + silent.getAddress().getPort();
            AwsIidClient c = client("imds_endpoint = \"" + endpoint + "\"\nimds_timeout = \"300ms\"");
            long start = System.nanoTime();
            assertThatThrownBy(c::payload).isInstanceOf(IOException.class)
                    .hasMessage("aws_iid: the instance metadata service at " + endpoint + " did not answer PUT /latest/api/token within 300 ms");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5000);
        } finally {
            release.countDown();
            silent.stop(0);
        }
    }

    @Test
    void emptyTokenIsNamed() throws Exception {
        HttpServer other = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        other.createContext("/", ex -> {
            ex.sendResponseHeaders(ex.getRequestURI().getPath().equals("/latest/api/token") ? 200 : 404, -1);
            ex.close();
        });
        other.start();
        try {
            String endpoint = "http://127.0.0.1:" + other.getAddress().getPort();
            assertThatThrownBy(() -> client("imds_endpoint = \"" + endpoint + "\"").payload()).isInstanceOf(IOException.class)
                    .hasMessage("aws_iid: the instance metadata service at " + endpoint + " returned an empty token");
        } finally {
            other.stop(0);
        }
    }

    @Test
    void missingDocumentIsNamed() throws Exception {
        HttpServer other = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        other.createContext("/", ex -> {
            boolean token = ex.getRequestURI().getPath().equals("/latest/api/token");
            byte[] body = "tok".getBytes();
            ex.sendResponseHeaders(token ? 200 : 404, token ? body.length : -1);
            if (token) {
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        other.start();
        try {
            String endpoint = "http://127.0.0.1:" + other.getAddress().getPort();
            assertThatThrownBy(() -> client("imds_endpoint = \"" + endpoint + "\"").payload()).isInstanceOf(IOException.class)
                    .hasMessage("aws_iid: the instance metadata service at " + endpoint + " answered GET "
                            + AwsIidClient.DOCUMENT_PATH + " with HTTP 404 (not an EC2 instance, or no identity document)");
        } finally {
            other.stop(0);
        }
    }

    @Test
    void defaultsAndBadConfiguration() {
        assertThat(client("").name()).isEqualTo("aws_iid");
        assertThatThrownBy(() -> client("imds_endpoint = \"ftp://x\"")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("node_attestor.aws_iid.imds_endpoint: \"ftp://x\": expected http://<host>[:<port>]");
        assertThatThrownBy(() -> client("imds_endpoint = \"http://169.254.169.254/latest\"")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("imds_endpoint");
        assertThatThrownBy(() -> client("imds_timeout = \"0s\"")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("imds_timeout: must be between");
        assertThatThrownBy(() -> client("region = \"us-east-1\"")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("node_attestor.aws_iid.region: unknown configuration key");
    }
}
