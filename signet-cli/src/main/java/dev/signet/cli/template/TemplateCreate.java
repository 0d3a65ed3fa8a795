package dev.signet.cli.template;

import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.FlagValues;
import dev.signet.cli.common.Json;
import dev.signet.cli.common.OutputOption;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.core.registration.EntryProtos;
import dev.signet.core.template.TemplateProtos;
import dev.signet.proto.template.v1.CreateTemplateRequest;
import dev.signet.proto.template.v1.Template;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signet template create}: validates the flags locally, then registers the template and prints its ID. */
@Command(name = "create", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Create an identity template: a workload whose selectors provide every placeholder {type:key} "
                + "(one value each, a valid path segment) gets the derived SPIFFE ID, on the agents chosen by "
                + "--node-selector or --any-node.",
        footer = {"%nExamples:",
            "  signet template create --spiffe-id-template 'spiffe://example.org/user/{unix:user}' --any-node",
            "  signet template create --spiffe-id-template 'spiffe://example.org/ns/{k8s:ns}/sa/{k8s:sa}' \\",
            "      --node-selector join_token:label:cluster:a --x509-ttl 30m"})
final class TemplateCreate implements Callable<Integer> {
    private final CliEnv env;

    @Spec
    CommandSpec spec;

    @Option(names = "--spiffe-id-template", paramLabel = "TEMPLATE", required = true,
            description = "spiffe://<trust-domain>/... with placeholder segments {type:key}, such as {unix:user}.")
    String template;

    @Option(names = "--selector", paramLabel = "TYPE:VALUE",
            description = "Fixed workload selector that must also match (repeatable).")
    List<String> selectors;

    @Option(names = "--node-selector", paramLabel = "TYPE:VALUE",
            description = "Serve the template only on agents attested with all of these selectors (repeatable).")
    List<String> nodeSelectors;

    @Option(names = "--any-node", description = "Serve the template on every agent of the trust domain.")
    boolean anyNode;

    @Option(names = "--x509-ttl", paramLabel = "DURATION",
            description = "Lifetime of the X509-SVIDs, such as 1h (0 or absent: the server's default).")
    String x509Ttl;

    @Option(names = "--dns-name", paramLabel = "NAME", description = "DNS name to add to the X509-SVIDs' SANs (repeatable).")
    List<String> dnsNames;

    @Option(names = "--hint", paramLabel = "HINT", description = "Hint passed to workloads to tell identities apart.")
    String hint;

    @Mixin
    ServerSocketOption socket;

    @Mixin
    OutputOption output;

    TemplateCreate(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        if ((nodeSelectors != null) == anyNode) {
            throw FlagValues.invalid(spec, "--node-selector", "give exactly one of --node-selector or --any-node");
        }
        Template.Builder b = Template.newBuilder().setSpiffeIdTemplate(template).setAnyNode(anyNode);
        if (selectors != null) {
            FlagValues.selectors(spec, "--selector", selectors).forEach(s -> b.addSelectors(EntryProtos.toProto(s)));
        }
        if (nodeSelectors != null) {
            FlagValues.selectors(spec, "--node-selector", nodeSelectors).forEach(s -> b.addNodeSelectors(EntryProtos.toProto(s)));
        }
        if (x509Ttl != null) {
            b.setX509TtlSeconds(FlagValues.seconds(spec, "--x509-ttl", FlagValues.duration(spec, "--x509-ttl", x509Ttl)));
        }
        if (dnsNames != null) {
            dnsNames.forEach(n -> FlagValues.nonBlank(spec, "--dns-name", n));
            b.addAllDnsNames(dnsNames);
        }
        if (hint != null) {
            b.setHint(hint);
        }
        try {
            TemplateProtos.fromProto(b.build());
        } catch (IllegalArgumentException e) {
            throw FlagValues.invalid(spec, "--spiffe-id-template", e.getMessage());
        }
        Template created;
        try (TemplateClient client = TemplateClient.connect(socket.resolve(env))) {
            created = client.call(s -> s.create(CreateTemplateRequest.newBuilder().setTemplate(b).build()));
        }
        if (output.json()) {
            Json.print(env.out(), TemplateView.json(created));
        } else {
            env.out().println(created.getId());
        }
        return 0;
    }
}
