package dev.signet.cli.bundle;

import dev.signet.cli.common.GroupCommand;
import picocli.CommandLine.Command;

/** {@code signet bundle}: the trust domain's CA certificates. */
@Command(name = "bundle", mixinStandardHelpOptions = true, description = "Show the trust bundle.",
        subcommands = {BundleShow.class})
public final class BundleCommand extends GroupCommand {}
