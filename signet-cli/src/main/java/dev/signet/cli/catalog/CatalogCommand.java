package dev.signet.cli.catalog;

import dev.signet.cli.common.GroupCommand;
import picocli.CommandLine.Command;

/** {@code signet catalog}: catalog state, which nodes currently serve which services (as agents report it). */
@Command(name = "catalog", mixinStandardHelpOptions = true,
        description = "Show which nodes currently serve which services (catalog state reported by the agents).",
        subcommands = {CatalogServices.class, CatalogService.class, CatalogNodes.class})
public final class CatalogCommand extends GroupCommand {}
