package dev.signet.server.attestation.awsiid;

import dev.signet.server.attestation.NodeAttestor.AttestationFailure;
import dev.signet.server.attestation.NodeAttestor.Reason;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.TrustManager;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesResponse;
import software.amazon.awssdk.services.ec2.model.GroupIdentifier;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Reservation;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * DescribeInstances through the AWS SDK for Java v2 (EC2 Query API, SigV4-signed, over the JDK's
 * {@code HttpURLConnection}): one client per region, created on first use. Each call is bounded by
 * {@code timeout} and makes at most two attempts.
 */
final class Ec2InstanceLookup implements InstanceLookup {
    private final String endpointTemplate;
    private final AwsCredentialsProvider credentials;
    private final TrustManager[] trustManagers;
    private final Duration timeout;
    private final Map<String, Ec2Client> clients = new ConcurrentHashMap<>();

    /**
     * @param endpointTemplate {@code https://host[:port]} where {@code <region>} is replaced by the document's
     *     region, or null for the SDK's regional endpoint
     * @param trustManagers the CAs to trust for the endpoint, or null for the JDK's
     */
    Ec2InstanceLookup(String endpointTemplate, AwsCredentialsProvider credentials, TrustManager[] trustManagers, Duration timeout) {
        this.endpointTemplate = endpointTemplate;
        this.credentials = credentials;
        this.trustManagers = trustManagers;
        this.timeout = timeout;
    }

    private Ec2Client client(String region) {
        return clients.computeIfAbsent(region, r -> {
            UrlConnectionHttpClient.Builder http = UrlConnectionHttpClient.builder()
                    .connectionTimeout(timeout)
                    .socketTimeout(timeout);
            if (trustManagers != null) {
                http.tlsTrustManagersProvider(() -> trustManagers);
            }
            var b = Ec2Client.builder()
                    .region(Region.of(r))
                    .credentialsProvider(credentials)
                    .httpClient(http.build())
                    .overrideConfiguration(ClientOverrideConfiguration.builder()
                            .apiCallTimeout(timeout)
                            .retryStrategy(s -> s.maxAttempts(2))
                            .build());
            if (endpointTemplate != null) {
                b.endpointOverride(URI.create(endpointTemplate.replace("<region>", r)));
            }
            return b.build();
        });
    }

    @Override
    public InstanceFacts describe(String region, String instanceId) throws AttestationFailure {
        DescribeInstancesResponse resp;
        try {
            resp = client(region).describeInstances(r -> r.instanceIds(instanceId));
        } catch (AwsServiceException e) {
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            if (code != null && code.startsWith("InvalidInstanceID")) {
                throw new AttestationFailure(Reason.DENIED, AwsIidAttestor.NAME + ": EC2 does not know instance " + instanceId
                        + " in " + region + " (" + code + ")");
            }
            String hint = e.statusCode() == 401 || e.statusCode() == 403 || "AuthFailure".equals(code)
                    || "UnauthorizedOperation".equals(code)
                    ? " (check the server's AWS credentials and that they allow ec2:DescribeInstances)" : "";
            throw new AttestationFailure(Reason.UNAVAILABLE, AwsIidAttestor.NAME + ": EC2 DescribeInstances for " + instanceId
                    + " in " + region + " failed: " + (code != null ? code + ": " : "") + message(e) + hint, e);
        } catch (SdkException | IllegalArgumentException e) {
            throw new AttestationFailure(Reason.UNAVAILABLE, AwsIidAttestor.NAME + ": cannot ask EC2 about " + instanceId
                    + " in " + region + ": " + message(e), e);
        }
        for (Reservation res : resp.reservations()) {
            for (Instance i : res.instances()) {
                if (!instanceId.equals(i.instanceId())) {
                    continue;
                }
                Map<String, String> tags = new LinkedHashMap<>();
                for (Tag t : i.tags()) {
                    tags.put(t.key(), t.value() == null ? "" : t.value());
                }
                List<InstanceFacts.SecurityGroup> groups = new ArrayList<>();
                for (GroupIdentifier g : i.securityGroups()) {
                    groups.add(new InstanceFacts.SecurityGroup(g.groupId(), g.groupName()));
                }
                String profile = i.iamInstanceProfile() == null ? null : i.iamInstanceProfile().arn();
                return new InstanceFacts(res.ownerId(), tags, groups, profile);
            }
        }
        throw new AttestationFailure(Reason.DENIED, AwsIidAttestor.NAME + ": EC2 DescribeInstances does not list instance "
                + instanceId + " in " + region);
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
