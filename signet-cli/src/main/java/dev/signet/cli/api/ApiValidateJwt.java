package dev.signet.cli.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.FlagValues;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.cli.common.TextBlock;
import dev.signet.proto.workload.ValidateJWTSVIDResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code signet api validate jwt}: asks the agent to validate a JWT-SVID (ValidateJWTSVID) and prints its
 * SPIFFE ID and claims; exits 1 with the agent's reason when the token is not valid.
 */
@Command(name = "jwt", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Validate a JWT-SVID through the Workload API: signature against the trust bundle, expiry and audience.",
        footer = {"%nExamples:",
            "  signet api validate jwt --audience https://db.example.org --svid eyJhbGciOiJFUzI1NiIs...",
            "  signet api validate jwt --audience db --svid \"$TOKEN\" -o json"})
final class ApiValidateJwt implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Option(names = "--audience", paramLabel = "AUDIENCE", required = true,
            description = "The audience the token must be for (one of its aud values). Required.")
    String audience;

    @Option(names = "--svid", paramLabel = "TOKEN", required = true, description = "The JWT-SVID (JWS compact serialization). Required.")
    String svid;

    @Mixin
    WorkloadSocketOption socket;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "How long to wait for the response (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Mixin
    OutputOption output;

    ApiValidateJwt(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        Duration wait = FlagValues.positiveDuration(spec, "--timeout", timeout);
        FlagValues.nonBlank(spec, "--audience", audience);
        String token = FlagValues.nonBlank(spec, "--svid", svid).trim();
        Path address = WorkloadSocket.resolve(spec, "--socket", socket.socket, env);
        ValidateJWTSVIDResponse response;
        try (WorkloadClient client = WorkloadClient.connect(address)) {
            response = client.validateJwt(audience, token, wait);
        }
        ObjectNode claims = json(response.getClaims());
        if (output.json()) {
            ObjectNode o = Json.object();
            o.put("spiffe_id", response.getSpiffeId());
            o.set("claims", claims);
            Json.print(env.out(), o);
            return 0;
        }
        env.out().println("SVID is valid.");
        new TextBlock().line("SPIFFE ID", response.getSpiffeId()).line("Claims", claims.toString()).print(env.out());
        return 0;
    }

    /** The claims as JSON; whole numbers (the Struct carries doubles) print without a fraction. */
    static ObjectNode json(Struct s) {
        ObjectNode o = Json.object();
        s.getFieldsMap().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).forEach(e -> o.set(e.getKey(), json(e.getValue())));
        return o;
    }

    private static JsonNode json(Value v) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (v.getKindCase()) {
            case STRING_VALUE -> f.textNode(v.getStringValue());
            case BOOL_VALUE -> f.booleanNode(v.getBoolValue());
            case NUMBER_VALUE -> {
                double d = v.getNumberValue();
                yield d == Math.rint(d) && Math.abs(d) < 1e15 ? f.numberNode((long) d) : f.numberNode(d);
            }
            case STRUCT_VALUE -> json(v.getStructValue());
            case LIST_VALUE -> {
                ArrayNode a = f.arrayNode();
                v.getListValue().getValuesList().forEach(x -> a.add(json(x)));
                yield a;
            }
            default -> f.nullNode();
        };
    }
}
