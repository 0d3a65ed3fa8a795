package dev.signet.cli.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.CliException;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.proto.workload.X509SVIDResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code signet api watch}: keeps FetchX509SVID open and prints one line per update until interrupted
 * or until the stream ends (which exits 1 with the reason, e.g. PERMISSION_DENIED once every entry for
 * the process is gone).
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = "Watch this process's X509-SVID updates from the Workload API; one line per update. "
                + "Stops on Ctrl-C or when the stream ends.")
final class ApiWatch implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Mixin
    WorkloadSocketOption socket;

    @Mixin
    OutputOption output;

    ApiWatch(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() throws InterruptedException {
        Path address = WorkloadSocket.resolve(spec, "--socket", socket.socket, env);
        try (WorkloadClient client = WorkloadClient.connect(address)) {
            CompletableFuture<Void> ended = new CompletableFuture<>();
            WorkloadClient.X509Stream stream = client.fetchX509(null,
                    WorkloadClient.listener(this::print, ended::completeExceptionally));
            try {
                ended.get();
                return 0; // not reached: the stream only ends with an error
            } catch (ExecutionException e) {
                throw e.getCause() instanceof CliException c ? c : client.failure(e.getCause(), null);
            } finally {
                stream.cancel();
            }
        }
    }

    private void print(X509SVIDResponse update) {
        List<SvidView> svids = update.getSvidsList().stream().map(SvidView::of).toList();
        Instant now = env.clock().instant();
        synchronized (env.out()) {
            if (output.json()) {
                ObjectNode o = Json.object();
                o.put("received_at", Json.time(now));
                o.set("svids", SvidView.shortJson(svids));
                ArrayNode fed = o.putArray("federated_bundles");
                SvidView.federatedBundleSizes(update).keySet().forEach(fed::add);
                Json.printLine(env.out(), o);
            } else {
                StringBuilder sb = new StringBuilder(Json.time(now)).append(" update:");
                for (int i = 0; i < svids.size(); i++) {
                    SvidView s = svids.get(i);
                    sb.append(i == 0 ? " " : ", ").append(s.spiffeId())
                            .append(" (expires ").append(s.expiresAt()).append(')');
                }
                env.out().println(sb);
            }
            env.out().flush();
        }
    }
}
