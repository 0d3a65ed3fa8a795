package dev.signet.cli.bundle;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.signet.cli.common.AdminClient;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.FlagValues;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.cli.common.CliException;
import dev.signet.core.bundle.BundleProtos;
import dev.signet.core.bundle.SpiffeBundleJson;
import dev.signet.core.bundle.TrustBundle;
import dev.signet.core.x509.Pem;
import dev.signet.proto.admin.v1.GetBundleRequest;
import dev.signet.proto.common.v1.Bundle;
import dev.signet.proto.common.v1.JWTAuthority;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code signet bundle show}: the trust bundle. {@code --format pem} (the default) prints the X.509 CA
 * certificates as PEM, e.g. for an agent's {@code --trust-bundle}; with {@code --output json}, an object
 * holding the same PEM blocks plus the JWT signing keys. {@code --format spiffe} prints the SPIFFE bundle
 * format (a JWK Set with X.509 and JWT authorities, {@code spiffe_sequence} and {@code spiffe_refresh_hint}),
 * as a federated trust domain or a JWT validator consumes it.
 */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Print the trust domain's bundle: CA certificates as PEM, or the SPIFFE bundle (JWKS) with JWT keys too.",
        footer = {"%nExamples:", "  signet bundle show > bundle.pem", "  signet agent run --trust-bundle bundle.pem ...",
                "  signet bundle show --format spiffe > bundle.json"})
final class BundleShow implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "pem",
            description = "pem (X.509 CA certificates; default) or spiffe (SPIFFE bundle format: JWK Set with X.509 and JWT authorities).")
    String format;

    @Mixin
    ServerSocketOption socket;

    @Mixin
    OutputOption output;

    BundleShow(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        boolean spiffe = format.equalsIgnoreCase("spiffe");
        if (!spiffe && !format.equalsIgnoreCase("pem")) {
            throw FlagValues.invalid(spec, "--format", "unsupported format \"" + format + "\" (supported: pem, spiffe)");
        }
        Bundle bundle;
        try (AdminClient client = AdminClient.connect(socket.resolve(env))) {
            bundle = client.call(s -> s.getBundle(GetBundleRequest.getDefaultInstance()));
        }
        if (spiffe) {
            TrustBundle tb;
            try {
                tb = BundleProtos.fromProto(bundle);
            } catch (IllegalArgumentException e) {
                throw new CliException("the server sent a malformed bundle: " + e.getMessage());
            }
            env.out().println(SpiffeBundleJson.toJson(tb));
            return 0;
        }
        if (output.json()) {
            ObjectNode o = Json.object();
            o.put("trust_domain", bundle.getTrustDomain());
            o.put("sequence", bundle.getSequence());
            o.put("refresh_hint_seconds", bundle.getRefreshHintSeconds());
            ArrayNode certs = o.putArray("x509_authorities");
            bundle.getX509AuthoritiesList().forEach(der -> certs.add(Pem.encode("CERTIFICATE", der.toByteArray())));
            ArrayNode keys = o.putArray("jwt_authorities");
            for (JWTAuthority a : bundle.getJwtAuthoritiesList()) {
                ObjectNode k = keys.addObject();
                k.put("key_id", a.getKeyId());
                k.put("public_key", Pem.encode("PUBLIC KEY", a.getPublicKey().toByteArray()));
                k.put("expires_at_unix", a.getExpiresAtUnix());
            }
            Json.print(env.out(), o);
        } else {
            bundle.getX509AuthoritiesList().forEach(der -> env.out().print(Pem.encode("CERTIFICATE", der.toByteArray())));
        }
        return 0;
    }
}
