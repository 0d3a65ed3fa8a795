package dev.signet.cli;

import dev.signet.cli.agent.AgentCommand;
import dev.signet.cli.api.ApiCommand;
import dev.signet.cli.bundle.BundleCommand;
import dev.signet.cli.common.GroupCommand;
import dev.signet.cli.entry.EntryCommand;
import dev.signet.cli.intention.IntentionCommand;
import dev.signet.cli.template.TemplateCommand;
import dev.signet.cli.server.ServerCommand;
import dev.signet.cli.service.ServiceCommand;
import dev.signet.cli.token.TokenCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The root command, {@code signet}. */
@Command(name = "signet", mixinStandardHelpOptions = true,
        description = "Signet: SPIFFE workload identity. Run the server or agent, manage registration entries, "
                + "fetch SVIDs as a workload would.",
        subcommands = {
            ServerCommand.class,
            AgentCommand.class,
            DevCommand.class,
            TokenCommand.class,
            EntryCommand.class,
            ServiceCommand.class,
            dev.signet.cli.catalog.CatalogCommand.class,
            IntentionCommand.class,
            TemplateCommand.class,
            BundleCommand.class,
            ApiCommand.class,
            HealthcheckCommand.class,
            VersionCommand.class,
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the command failed (see the error: line on stderr)", "2:usage error"})
public final class SignetCommand extends GroupCommand {
    // Read by Main before parsing (so it also covers usage errors); declared here so picocli accepts it anywhere.
    @Option(names = "--debug", scope = ScopeType.INHERIT, hidden = true,
            description = "Print stack traces of failures.")
    boolean debug;
}
