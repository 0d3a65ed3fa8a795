package dev.signet.cli.api;

import dev.signet.cli.common.GroupCommand;
import picocli.CommandLine.Command;

/** {@code signet api}: talk to the Workload API the way a workload does. */
@Command(name = "api", mixinStandardHelpOptions = true,
        description = "Call the SPIFFE Workload API as a workload would (to test registrations).",
        subcommands = {ApiFetch.class, ApiValidate.class, ApiWatch.class})
public final class ApiCommand extends GroupCommand {}
