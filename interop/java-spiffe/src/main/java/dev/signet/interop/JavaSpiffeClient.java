package dev.signet.interop;

import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.svid.jwtsvid.JwtSvid;
import io.spiffe.svid.x509svid.X509Svid;
import io.spiffe.svid.x509svid.X509SvidValidator;
import io.spiffe.workloadapi.DefaultJwtSource;
import io.spiffe.workloadapi.DefaultWorkloadApiClient;
import io.spiffe.workloadapi.DefaultX509Source;
import io.spiffe.workloadapi.JwtSource;
import io.spiffe.workloadapi.JwtSourceOptions;
import io.spiffe.workloadapi.WorkloadApiClient;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * A workload written against the unmodified java-spiffe library, run by the integration tests in its own
 * JVM and classpath (java-spiffe brings its own grpc).
 *
 * <p>Usage: {@code JavaSpiffeClient SOCKET_PATH [INIT_TIMEOUT_SECONDS]}. It opens a
 * {@link DefaultX509Source} on {@code unix:SOCKET_PATH}, then prints one JSON object per line:
 *
 * <pre>
 * {"spiffe_id":"spiffe://example.org/web"}
 * {"chain":"valid","bundle_authorities":1}
 * </pre>
 *
 * and exits 0. Any failure (no SVID within the init timeout, a chain that does not validate against the
 * bundle from the same source) prints one {@code error: ...} line on stderr and exits 1.
 *
 * <p>{@code JavaSpiffeClient SOCKET_PATH INIT_TIMEOUT_SECONDS jwt AUDIENCE} uses the JWT side instead: a
 * {@link DefaultJwtSource} (which watches the JWT bundles) fetches a JWT-SVID for {@code AUDIENCE}, validates
 * it locally with {@link JwtSvid#parseAndValidate} against the source's bundles, through the agent with
 * {@link WorkloadApiClient#validateJwtSvid}, and locally once more with a different audience (which must be
 * rejected), then prints
 *
 * <pre>
 * {"spiffe_id":"spiffe://example.org/web","audience":["AUDIENCE"]}
 * {"local":"valid","spiffe_id":"spiffe://example.org/web"}
 * {"agent":"valid","spiffe_id":"spiffe://example.org/web"}
 * {"wrong_audience":"rejected","reason":"JwtSvidException: ..."}
 * </pre>
 *
 * and exits 0; a failed check prints {@code "invalid"} (or {@code "accepted"}) with a {@code reason} instead,
 * one {@code error: ...} line on stderr, and exits 1.
 */
public final class JavaSpiffeClient {
    private JavaSpiffeClient() {}

    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } catch (Exception | Error e) {
            System.err.println("error: " + describe(e));
            code = 1;
        }
        System.out.flush();
        System.err.flush();
        // The source's gRPC threads must not keep a failed run alive.
        Runtime.getRuntime().halt(code);
    }

    private static int run(String[] args) throws Exception {
        boolean jwt = args.length == 4 && args[2].equals("jwt");
        if (args.length < 1 || (args.length > 2 && !jwt)) {
            System.err.println("error: usage: JavaSpiffeClient SOCKET_PATH [INIT_TIMEOUT_SECONDS]"
                    + " | JavaSpiffeClient SOCKET_PATH INIT_TIMEOUT_SECONDS jwt AUDIENCE");
            return 2;
        }
        String socket = args[0].startsWith("unix:") ? args[0] : "unix:" + args[0];
        Duration timeout = Duration.ofSeconds(args.length >= 2 ? Long.parseLong(args[1]) : 10);
        if (jwt) {
            return jwt(socket, timeout, args[3]);
        }
        DefaultX509Source.X509SourceOptions options = DefaultX509Source.X509SourceOptions.builder()
                .spiffeSocketPath(socket)
                .initTimeout(timeout)
                .build();
        try (DefaultX509Source source = DefaultX509Source.newSource(options)) {
            X509Svid svid = source.getX509Svid();
            System.out.println("{\"spiffe_id\":\"" + json(svid.getSpiffeId().toString()) + "\"}");
            X509Bundle bundle = source.getBundleForTrustDomain(svid.getSpiffeId().getTrustDomain());
            try {
                X509SvidValidator.verifyChain(svid.getChain(), source);
            } catch (Exception e) {
                System.out.println("{\"chain\":\"invalid\",\"reason\":\"" + json(describe(e)) + "\"}");
                System.err.println("error: the SVID's chain does not validate against the bundle: " + describe(e));
                return 1;
            }
            System.out.println("{\"chain\":\"valid\",\"bundle_authorities\":" + bundle.getX509Authorities().size() + "}");
            return 0;
        }
    }

    private static int jwt(String socket, Duration timeout, String audience) throws Exception {
        WorkloadApiClient client = DefaultWorkloadApiClient.newClient(
                DefaultWorkloadApiClient.ClientOptions.builder().spiffeSocketPath(socket).build());
        JwtSourceOptions options = JwtSourceOptions.builder()
                .spiffeSocketPath(socket)
                .initTimeout(timeout)
                .build();
        try (client; JwtSource source = DefaultJwtSource.newSource(options)) {
            JwtSvid svid = source.fetchJwtSvid(audience);
            String id = svid.getSpiffeId().toString();
            StringBuilder auds = new StringBuilder();
            for (String a : new TreeSet<>(svid.getAudience())) {
                auds.append(auds.length() == 0 ? "" : ",").append('"').append(json(a)).append('"');
            }
            System.out.println("{\"spiffe_id\":\"" + json(id) + "\",\"audience\":[" + auds + "]}");
            String token = svid.getToken();
            int code = 0;
            try {
                JwtSvid local = JwtSvid.parseAndValidate(token, source, Set.of(audience));
                System.out.println("{\"local\":\"valid\",\"spiffe_id\":\"" + json(local.getSpiffeId().toString()) + "\"}");
            } catch (Exception e) {
                System.out.println("{\"local\":\"invalid\",\"reason\":\"" + json(describe(e)) + "\"}");
                System.err.println("error: the JWT-SVID does not validate against the JWT bundle: " + describe(e));
                code = 1;
            }
            try {
                JwtSvid viaAgent = client.validateJwtSvid(token, audience);
                System.out.println("{\"agent\":\"valid\",\"spiffe_id\":\"" + json(viaAgent.getSpiffeId().toString()) + "\"}");
            } catch (Exception e) {
                System.out.println("{\"agent\":\"invalid\",\"reason\":\"" + json(describe(e)) + "\"}");
                System.err.println("error: the agent does not validate the JWT-SVID: " + describe(e));
                code = 1;
            }
            try {
                JwtSvid.parseAndValidate(token, source, Set.of(audience + "-other"));
                System.out.println("{\"wrong_audience\":\"accepted\"}");
                System.err.println("error: the JWT-SVID validates for an audience it was not issued for");
                code = 1;
            } catch (Exception e) {
                System.out.println("{\"wrong_audience\":\"rejected\",\"reason\":\"" + json(describe(e)) + "\"}");
            }
            return code;
        }
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.getClass().getSimpleName() + ": " + e.getMessage());
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            sb.append(" (caused by ").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(')');
        }
        return sb.toString().replace('\n', ' ');
    }

    private static String json(String s) {
        StringBuilder sb = new StringBuilder();
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format("\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        return sb.toString();
    }
}
