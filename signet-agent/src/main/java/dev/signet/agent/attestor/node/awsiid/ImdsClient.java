package dev.signet.agent.attestor.node.awsiid;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * IMDSv2, the EC2 instance metadata service with session tokens: {@code PUT /latest/api/token} with
 * {@code X-aws-ec2-metadata-token-ttl-seconds}, then GETs carrying {@code X-aws-ec2-metadata-token}. Every request is
 * bounded by the timeout; no redirects are followed; responses are capped in size.
 */
final class ImdsClient {
    static final String TOKEN_PATH = "/latest/api/token";
    static final String TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds";
    static final String TOKEN_HEADER = "X-aws-ec2-metadata-token";
    /** Long enough for the two reads that follow; a token is fetched for each attestation attempt. */
    static final int TOKEN_TTL_SECONDS = 60;
    private static final int MAX_BODY = 64 * 1024;

    private final URI endpoint;
    private final Duration timeout;
    private final HttpClient http;

    ImdsClient(URI endpoint, Duration timeout) {
        this.endpoint = endpoint;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(HttpClient.Builder.NO_PROXY)
                .build();
    }

    URI endpoint() {
        return endpoint;
    }

    /** A session token for the reads that follow. */
    String token() throws IOException {
        HttpRequest req = HttpRequest.newBuilder(endpoint.resolve(TOKEN_PATH))
                .timeout(timeout)
                .header(TTL_HEADER, Integer.toString(TOKEN_TTL_SECONDS))
                .PUT(HttpRequest.BodyPublishers.noBody())
                .build();
        String token = send(req, TOKEN_PATH).trim();
        if (token.isEmpty()) {
            throw new IOException(AwsIidClient.NAME + ": the instance metadata service at " + endpoint + " returned an empty token");
        }
        return token;
    }

    /** The body of {@code GET path}, read with {@code token}. */
    String get(String path, String token) throws IOException {
        HttpRequest req = HttpRequest.newBuilder(endpoint.resolve(path))
                .timeout(timeout)
                .header(TOKEN_HEADER, token)
                .GET()
                .build();
        return send(req, path);
    }

    private String send(HttpRequest req, String path) throws IOException {
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpConnectTimeoutException | ConnectException e) {
            throw unreachable(e);
        } catch (HttpTimeoutException e) {
            throw new IOException(AwsIidClient.NAME + ": the instance metadata service at " + endpoint + " did not answer "
                    + req.method() + " " + path + " within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(AwsIidClient.NAME + ": interrupted while reading the instance metadata service");
        } catch (IOException e) {
            throw unreachable(e);
        }
        if (resp.statusCode() != 200) {
            String hint = resp.statusCode() == 401 ? " (the IMDSv2 session token was refused)"
                    : resp.statusCode() == 403 ? " (IMDS is disabled for this instance, or its hop limit is too low for"
                    + " containers)" : resp.statusCode() == 404 ? " (not an EC2 instance, or no identity document)" : "";
            throw new IOException(AwsIidClient.NAME + ": the instance metadata service at " + endpoint + " answered "
                    + req.method() + " " + path + " with HTTP " + resp.statusCode() + hint);
        }
        if (resp.body().length > MAX_BODY) {
            throw new IOException(AwsIidClient.NAME + ": the instance metadata service at " + endpoint + " sent "
                    + resp.body().length + " bytes for " + path + ", more than " + MAX_BODY);
        }
        return new String(resp.body(), StandardCharsets.UTF_8);
    }

    private IOException unreachable(IOException e) {
        String why = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
        return new IOException(AwsIidClient.NAME + ": cannot reach the instance metadata service (IMDSv2) at " + endpoint
                + ": " + why, e);
    }
}
