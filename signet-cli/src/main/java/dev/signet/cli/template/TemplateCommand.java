package dev.signet.cli.template;

import dev.signet.cli.common.GroupCommand;
import picocli.CommandLine.Command;

/** {@code signet template}: identity templates. */
@Command(name = "template", mixinStandardHelpOptions = true,
        description = "Create, list and delete identity templates: one registration that derives SPIFFE IDs from "
                + "workload selectors, such as spiffe://example.org/user/{unix:user}.",
        subcommands = {TemplateCreate.class, TemplateList.class, TemplateDelete.class})
public final class TemplateCommand extends GroupCommand {}
