package dev.signet.cli.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.CliException;
import dev.signet.cli.common.FlagValues;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.cli.common.TextBlock;
import dev.signet.core.files.AtomicFiles;
import dev.signet.proto.workload.X509SVIDResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code signet api fetch x509}: opens FetchX509SVID, takes the first message and closes the stream.
 * With {@code --write DIR} it also writes, for each SVID N, {@code svid.N.pem} (the chain, leaf first),
 * {@code svid.N.key} (PKCS#8, mode 0600) and {@code bundle.N.pem}.
 */
@Command(name = "x509", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fetch this process's X509-SVIDs and trust bundle from the Workload API.",
        footer = {"%nExamples:",
            "  signet api fetch x509",
            "  export SPIFFE_ENDPOINT_SOCKET=unix:///run/signet/agent.sock",
            "  signet api fetch x509 --write /tmp/certs"})
final class ApiFetchX509 implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Mixin
    WorkloadSocketOption socket;

    @Option(names = "--write", paramLabel = "DIR",
            description = "Write svid.N.pem, svid.N.key and bundle.N.pem for each SVID N into DIR.")
    Path writeDir;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "How long to wait for the first response (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Mixin
    OutputOption output;

    ApiFetchX509(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() throws InterruptedException {
        Duration wait = FlagValues.positiveDuration(spec, "--timeout", timeout);
        Path address = WorkloadSocket.resolve(spec, "--socket", socket.socket, env);
        long started = System.nanoTime();
        X509SVIDResponse response = fetchFirst(address, wait);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        List<SvidView> svids = new ArrayList<>();
        response.getSvidsList().forEach(s -> svids.add(SvidView.of(s)));
        if (svids.isEmpty()) {
            throw new CliException("the Workload API sent a response without any X509-SVID");
        }
        Map<String, Integer> federated = SvidView.federatedBundleSizes(response);
        List<List<Path>> written = writeDir == null ? null : write(svids);

        if (output.json()) {
            ObjectNode o = Json.object();
            ArrayNode arr = o.putArray("svids");
            for (int i = 0; i < svids.size(); i++) {
                ObjectNode s = svids.get(i).toJson();
                if (written == null) {
                    s.putNull("files");
                } else {
                    ObjectNode f = s.putObject("files");
                    f.put("svid", written.get(i).get(0).toString());
                    f.put("key", written.get(i).get(1).toString());
                    f.put("bundle", written.get(i).get(2).toString());
                }
                arr.add(s);
            }
            ObjectNode fed = o.putObject("federated_bundles");
            federated.forEach(fed::put);
            Json.print(env.out(), o);
            return 0;
        }
        env.out().println("Received " + svids.size() + (svids.size() == 1 ? " X509-SVID" : " X509-SVIDs")
                + " after " + took.toMillis() + "ms");
        for (int i = 0; i < svids.size(); i++) {
            SvidView s = svids.get(i);
            TextBlock b = new TextBlock().line("SPIFFE ID", s.spiffeId());
            if (!s.hint().isEmpty()) {
                b.line("Hint", s.hint());
            }
            b.line("Expires at", s.expiresAt())
                    .line("Bundle", s.bundle().size() + (s.bundle().size() == 1 ? " CA certificate" : " CA certificates"));
            if (written != null) {
                b.line("Written to", written.get(i).get(0) + ", " + written.get(i).get(1) + ", " + written.get(i).get(2));
            }
            env.out().println();
            b.print(env.out());
        }
        if (!federated.isEmpty()) {
            env.out().println();
            federated.forEach((td, n) -> env.out().println("Federated bundle : " + td + " (" + n
                    + (n == 1 ? " CA certificate)" : " CA certificates)")));
        }
        return 0;
    }

    private X509SVIDResponse fetchFirst(Path address, Duration wait) throws InterruptedException {
        try (WorkloadClient client = WorkloadClient.connect(address)) {
            CompletableFuture<X509SVIDResponse> first = new CompletableFuture<>();
            WorkloadClient.X509Stream stream = client.fetchX509(wait,
                    WorkloadClient.listener(first::complete, first::completeExceptionally));
            try {
                // The call's own deadline fires first; this bound only guards against a lost callback.
                return first.get(wait.toMillis() + 5_000, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof CliException c ? c : client.failure(e.getCause(), wait);
            } catch (TimeoutException e) {
                throw new CliException("timed out waiting for an X509-SVID from " + address);
            } finally {
                stream.cancel();
            }
        }
    }

    /** Writes the files of every SVID; returns, per SVID, the chain, key and bundle paths. */
    private List<List<Path>> write(List<SvidView> svids) {
        List<List<Path>> out = new ArrayList<>();
        for (int i = 0; i < svids.size(); i++) {
            SvidView s = svids.get(i);
            Path chain = writeDir.resolve("svid." + i + ".pem");
            Path key = writeDir.resolve("svid." + i + ".key");
            Path bundle = writeDir.resolve("bundle." + i + ".pem");
            try {
                AtomicFiles.writePublic(chain, s.chainPem().getBytes(StandardCharsets.US_ASCII));
                AtomicFiles.writeSecret(key, s.keyPem().getBytes(StandardCharsets.US_ASCII));
                AtomicFiles.writePublic(bundle, s.bundlePem().getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                throw new CliException("cannot write to " + writeDir + ": " + e, e);
            }
            out.add(List.of(chain, key, bundle));
        }
        return out;
    }
}
