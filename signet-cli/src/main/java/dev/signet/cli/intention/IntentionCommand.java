package dev.signet.cli.intention;

import dev.signet.cli.common.GroupCommand;
import picocli.CommandLine.Command;

/** {@code signet intention}: which services may connect to which. */
@Command(name = "intention", mixinStandardHelpOptions = true,
        description = "Create, list, delete and check intentions: which sources may connect to which services.",
        subcommands = {IntentionCreate.class, IntentionList.class, IntentionDelete.class, IntentionCheck.class})
public final class IntentionCommand extends GroupCommand {}
