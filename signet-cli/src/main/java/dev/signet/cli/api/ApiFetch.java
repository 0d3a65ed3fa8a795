package dev.signet.cli.api;

import dev.signet.cli.common.GroupCommand;
import picocli.CommandLine.Command;

/** {@code signet api fetch}: one-shot fetches. */
@Command(name = "fetch", mixinStandardHelpOptions = true, description = "Fetch credentials once.",
        subcommands = {ApiFetchX509.class, ApiFetchJwt.class, ApiFetchJwtBundle.class})
public final class ApiFetch extends GroupCommand {}
