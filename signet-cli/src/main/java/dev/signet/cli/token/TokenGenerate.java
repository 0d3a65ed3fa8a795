package dev.signet.cli.token;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.signet.cli.common.AdminClient;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.FlagValues;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.proto.admin.v1.CreateJoinTokenRequest;
import dev.signet.proto.admin.v1.JoinToken;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signet token generate}: prints only the token in text mode, so {@code $(signet token generate)} works. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate a one-time join token for an agent's node attestation.",
        footer = {"%nExample:",
            "  TOKEN=$(signet token generate --ttl 1h --label env=prod)",
            "  signet agent run --join-token \"$TOKEN\" ..."})
final class TokenGenerate implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "10m",
            description = "How long the token stays valid (default: ${DEFAULT-VALUE}).")
    String ttl;

    @Option(names = "--label", paramLabel = "KEY=VALUE",
            description = "Label for the agent, visible as selector join_token:label:KEY:VALUE (repeatable).")
    List<String> labels;

    @Mixin
    ServerSocketOption socket;

    @Mixin
    OutputOption output;

    TokenGenerate(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        Duration d = FlagValues.positiveDuration(spec, "--ttl", ttl);
        Map<String, String> labelMap = new LinkedHashMap<>();
        for (String l : labels == null ? List.<String>of() : labels) {
            int eq = l.indexOf('=');
            if (eq <= 0) {
                throw FlagValues.invalid(spec, "--label", "expected KEY=VALUE, got \"" + l + "\"");
            }
            String key = l.substring(0, eq);
            if (labelMap.put(key, l.substring(eq + 1)) != null) {
                throw FlagValues.invalid(spec, "--label", "label \"" + key + "\" given twice");
            }
        }
        CreateJoinTokenRequest request = CreateJoinTokenRequest.newBuilder()
                .setTtlSeconds(d.toSeconds())
                .putAllLabels(labelMap)
                .build();
        JoinToken token;
        try (AdminClient client = AdminClient.connect(socket.resolve(env))) {
            token = client.call(s -> s.createJoinToken(request));
        }
        if (output.json()) {
            ObjectNode o = Json.object();
            o.put("token", token.getToken());
            o.put("expires_at", Json.time(token.getExpiresAtUnix()));
            ObjectNode l = o.putObject("labels");
            new java.util.TreeMap<>(token.getLabelsMap()).forEach(l::put);
            Json.print(env.out(), o);
        } else {
            env.out().println(token.getToken());
        }
        return 0;
    }
}
