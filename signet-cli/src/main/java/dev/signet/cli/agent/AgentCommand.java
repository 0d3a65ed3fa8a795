package dev.signet.cli.agent;

import dev.signet.cli.common.GroupCommand;
import picocli.CommandLine.Command;

/** {@code signet agent}: run the agent, or manage attested agents through the server. */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "Run the agent, or list, evict and ban attested agents.",
        subcommands = {AgentRun.class, AgentList.class, AgentEvict.class, AgentBan.class})
public final class AgentCommand extends GroupCommand {}
