package dev.signet.interop;

import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.svid.x509svid.X509Svid;
import io.spiffe.svid.x509svid.X509SvidValidator;
import io.spiffe.workloadapi.DefaultX509Source;
import java.time.Duration;

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
        if (args.length < 1 || args.length > 2) {
            System.err.println("error: usage: JavaSpiffeClient SOCKET_PATH [INIT_TIMEOUT_SECONDS]");
            return 2;
        }
        String socket = args[0].startsWith("unix:") ? args[0] : "unix:" + args[0];
        Duration timeout = Duration.ofSeconds(args.length == 2 ? Long.parseLong(args[1]) : 10);
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
