package dev.signet.cli.server;

import dev.signet.cli.common.GroupCommand;
import picocli.CommandLine.Command;

/** {@code signet server}: the server process. */
@Command(name = "server", mixinStandardHelpOptions = true, description = "Run the Signet server.",
        subcommands = {ServerRun.class})
public final class ServerCommand extends GroupCommand {}
