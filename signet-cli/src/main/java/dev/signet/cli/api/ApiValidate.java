package dev.signet.cli.api;

import dev.signet.cli.common.GroupCommand;
import picocli.CommandLine.Command;

/** {@code signet api validate}: have the agent validate a credential. */
@Command(name = "validate", mixinStandardHelpOptions = true, description = "Validate a credential through the Workload API.",
        subcommands = {ApiValidateJwt.class})
public final class ApiValidate extends GroupCommand {}
