package dev.signet.cli.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.CliException;
import dev.signet.cli.common.FlagValues;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.cli.common.TextBlock;
import dev.signet.proto.workload.JWTSVID;
import dev.signet.proto.workload.JWTSVIDResponse;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code signet api fetch jwt}: calls FetchJWTSVID and prints each token with its SPIFFE ID, hint and
 * expiry. The expiry is read from the token without verifying it (the agent vouches for it; use
 * {@code signet api validate jwt} to verify).
 */
@Command(name = "jwt", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fetch this process's JWT-SVIDs for the given audiences from the Workload API.",
        footer = {"%nExamples:",
            "  signet api fetch jwt --audience https://db.example.org",
            "  signet api fetch jwt --audience db --audience cache --spiffe-id spiffe://example.org/web -o json"})
final class ApiFetchJwt implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Option(names = "--audience", paramLabel = "AUDIENCE", required = true,
            description = "An audience the token is for (its aud claim); repeat for several. Required.")
    List<String> audience;

    @Option(names = "--spiffe-id", paramLabel = "ID",
            description = "Only the JWT-SVID for this SPIFFE ID (default: one for each identity of this process).")
    String spiffeId;

    @Mixin
    WorkloadSocketOption socket;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "How long to wait for the response (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Mixin
    OutputOption output;

    ApiFetchJwt(CliEnv env) {
        this.env = env;
    }

    /** One token from the response, with the expiry read from it. */
    record View(String spiffeId, String hint, String token, Instant expiresAt) {
        static View of(JWTSVID svid) {
            try {
                JWTClaimsSet claims = SignedJWT.parse(svid.getSvid()).getJWTClaimsSet();
                Instant exp = claims.getExpirationTime() == null ? null : claims.getExpirationTime().toInstant();
                return new View(svid.getSpiffeId(), svid.getHint(), svid.getSvid(), exp);
            } catch (ParseException e) {
                throw new CliException("the Workload API sent a malformed JWT-SVID for " + svid.getSpiffeId() + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public Integer call() {
        Duration wait = FlagValues.positiveDuration(spec, "--timeout", timeout);
        for (String a : audience) {
            FlagValues.nonBlank(spec, "--audience", a);
        }
        String id = spiffeId == null ? null : FlagValues.spiffeId(spec, "--spiffe-id", spiffeId).toString();
        Path address = WorkloadSocket.resolve(spec, "--socket", socket.socket, env);
        long started = System.nanoTime();
        JWTSVIDResponse response;
        try (WorkloadClient client = WorkloadClient.connect(address)) {
            response = client.fetchJwt(audience, id, wait);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        List<View> svids = new ArrayList<>();
        response.getSvidsList().forEach(s -> svids.add(View.of(s)));
        if (svids.isEmpty()) {
            throw new CliException("the Workload API sent a response without any JWT-SVID");
        }

        if (output.json()) {
            ArrayNode arr = Json.array();
            for (View v : svids) {
                ObjectNode o = arr.addObject();
                o.put("spiffe_id", v.spiffeId());
                o.put("token", v.token());
                o.put("hint", v.hint());
                o.put("expires_at", Json.time(v.expiresAt()));
            }
            Json.print(env.out(), arr);
            return 0;
        }
        env.out().println("Received " + svids.size() + (svids.size() == 1 ? " JWT-SVID" : " JWT-SVIDs")
                + " after " + took.toMillis() + "ms");
        for (View v : svids) {
            TextBlock b = new TextBlock().line("SPIFFE ID", v.spiffeId());
            if (!v.hint().isEmpty()) {
                b.line("Hint", v.hint());
            }
            b.line("Expires at", v.expiresAt() == null ? "-" : Json.time(v.expiresAt())).line("Token", v.token());
            env.out().println();
            b.print(env.out());
        }
        return 0;
    }
}
