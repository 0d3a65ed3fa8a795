package dev.signet.cli.api;

import picocli.CommandLine.Option;

/** {@code --socket}: the Workload API address, shared by the {@code api} commands. */
public final class WorkloadSocketOption {
    @Option(names = "--socket", paramLabel = "ADDRESS",
            description = "Workload API socket: unix:///path, unix:/path or /path "
                    + "(env: " + WorkloadSocket.ENV + ", default: /tmp/signet/agent.sock).")
    String socket;
}
