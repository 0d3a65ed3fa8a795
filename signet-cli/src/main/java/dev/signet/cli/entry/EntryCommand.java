package dev.signet.cli.entry;

import dev.signet.cli.common.GroupCommand;
import picocli.CommandLine.Command;

/** {@code signet entry}: registration entries. */
@Command(name = "entry", mixinStandardHelpOptions = true,
        description = "Create, list, show, update and delete registration entries.",
        subcommands = {EntryCreate.class, EntryList.class, EntryShow.class, EntryUpdate.class, EntryDelete.class})
public final class EntryCommand extends GroupCommand {}
