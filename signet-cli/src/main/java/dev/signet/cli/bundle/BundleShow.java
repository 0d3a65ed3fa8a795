package dev.signet.cli.bundle;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.signet.cli.common.AdminClient;
import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.FlagValues;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.core.x509.Pem;
import dev.signet.proto.admin.v1.GetBundleRequest;
import dev.signet.proto.common.v1.Bundle;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code signet bundle show}: the server's X.509 CA certificates as PEM, e.g. for an agent's
 * {@code --trust-bundle}. With {@code --output json}, an object holding the same PEM blocks.
 */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Print the trust domain's CA certificates (the X.509 trust bundle).",
        footer = {"%nExample:", "  signet bundle show > bundle.pem", "  signet agent run --trust-bundle bundle.pem ..."})
final class BundleShow implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "pem",
            description = "Certificate encoding: pem (the only one so far; default).")
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
        if (!format.equalsIgnoreCase("pem")) {
            throw FlagValues.invalid(spec, "--format", "unsupported format \"" + format + "\" (supported: pem)");
        }
        Bundle bundle;
        try (AdminClient client = AdminClient.connect(socket.resolve(env))) {
            bundle = client.call(s -> s.getBundle(GetBundleRequest.getDefaultInstance()));
        }
        if (output.json()) {
            ObjectNode o = Json.object();
            o.put("trust_domain", bundle.getTrustDomain());
            o.put("sequence", bundle.getSequence());
            o.put("refresh_hint_seconds", bundle.getRefreshHintSeconds());
            ArrayNode certs = o.putArray("x509_authorities");
            bundle.getX509AuthoritiesList().forEach(der -> certs.add(Pem.encode("CERTIFICATE", der.toByteArray())));
            Json.print(env.out(), o);
        } else {
            bundle.getX509AuthoritiesList().forEach(der -> env.out().print(Pem.encode("CERTIFICATE", der.toByteArray())));
        }
        return 0;
    }
}
