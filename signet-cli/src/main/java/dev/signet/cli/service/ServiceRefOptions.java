package dev.signet.cli.service;

import dev.signet.proto.catalog.v1.ServiceRef;
import picocli.CommandLine.Option;

/** {@code --namespace}, {@code --partition}, {@code --datacenter}: which service NAME means (defaults as in the definition). */
final class ServiceRefOptions {
    @Option(names = "--namespace", paramLabel = "NS", description = "Namespace of the service (default: default).")
    String namespace;

    @Option(names = "--partition", paramLabel = "AP", description = "Admin partition of the service (default: default).")
    String partition;

    @Option(names = "--datacenter", paramLabel = "DC", description = "Datacenter of the service (default: dc1).")
    String datacenter;

    ServiceRef ref(String name) {
        ServiceRef.Builder b = ServiceRef.newBuilder().setName(name);
        if (namespace != null) {
            b.setNamespace(namespace);
        }
        if (partition != null) {
            b.setPartition(partition);
        }
        if (datacenter != null) {
            b.setDatacenter(datacenter);
        }
        return b.build();
    }
}
