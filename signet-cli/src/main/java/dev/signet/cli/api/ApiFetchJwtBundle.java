package dev.signet.cli.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.CliException;
import dev.signet.cli.common.FlagValues;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.proto.workload.JWTBundlesResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signet api fetch jwt-bundle}: the first FetchJWTBundles message, one JWKS per trust domain. */
@Command(name = "jwt-bundle", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fetch the JWT bundles (JWKS of JWT-SVID signing keys, by trust domain) from the Workload API.",
        footer = {"%nExamples:", "  signet api fetch jwt-bundle", "  signet api fetch jwt-bundle -o json"})
final class ApiFetchJwtBundle implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Mixin
    WorkloadSocketOption socket;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "How long to wait for the first response (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Mixin
    OutputOption output;

    ApiFetchJwtBundle(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        Duration wait = FlagValues.positiveDuration(spec, "--timeout", timeout);
        Path address = WorkloadSocket.resolve(spec, "--socket", socket.socket, env);
        JWTBundlesResponse response;
        try (WorkloadClient client = WorkloadClient.connect(address)) {
            response = client.fetchJwtBundles(wait);
        }
        Map<String, JsonNode> bundles = new TreeMap<>();
        response.getBundlesMap().forEach((td, jwks) -> {
            try {
                bundles.put(td, Json.parse(jwks.toString(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new CliException("the Workload API sent a malformed JWT bundle for " + td + ": " + e.getMessage(), e);
            }
        });
        if (output.json()) {
            ObjectNode o = Json.object();
            bundles.forEach(o.putObject("bundles")::set);
            Json.print(env.out(), o);
            return 0;
        }
        boolean first = true;
        for (Map.Entry<String, JsonNode> e : bundles.entrySet()) {
            if (!first) {
                env.out().println();
            }
            first = false;
            env.out().println(e.getKey() + ":");
            Json.print(env.out(), e.getValue());
        }
        return 0;
    }
}
