package dev.signet.cli.service;

import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.CliException;
import dev.signet.cli.common.ServerSocketOption;
import dev.signet.core.catalog.ServiceDefinition;
import dev.signet.core.catalog.ServiceDefinitions;
import dev.signet.core.catalog.ServiceProtos;
import dev.signet.core.config.ConfigException;
import dev.signet.proto.catalog.v1.RegisterServiceRequest;
import dev.signet.proto.catalog.v1.Service;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code signet service register FILE}. */
@Command(name = "register", mixinStandardHelpOptions = true,
        description = "Register (or replace) a service from an HCL or JSON definition file: service { name = \"web\" ... }.")
final class ServiceRegister implements Callable<Integer> {
    private final CliEnv env;

    @Parameters(index = "0", paramLabel = "FILE", description = "The service definition (HCL or JSON).")
    Path file;

    @Mixin
    ServerSocketOption socket;

    ServiceRegister(CliEnv env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        ServiceDefinition def;
        try {
            def = ServiceDefinitions.load(file);
        } catch (ConfigException e) {
            throw new CliException(e.getMessage(), e);
        }
        Service s;
        try (CatalogClient client = CatalogClient.connect(socket.resolve(env))) {
            s = client.call(c -> c.registerService(RegisterServiceRequest.newBuilder().setDefinition(ServiceProtos.toProto(def)).build()));
        }
        env.out().println("Registered service " + def.name() + " as " + s.getSpiffeId() + " (revision " + s.getRevision()
                + ", entries " + String.join(", ", s.getEntryIdsList()) + ")");
        return 0;
    }
}
