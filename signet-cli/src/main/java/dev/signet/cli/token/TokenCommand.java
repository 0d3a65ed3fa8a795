package dev.signet.cli.token;

import dev.signet.cli.common.GroupCommand;
import picocli.CommandLine.Command;

/** {@code signet token}: join tokens for node attestation. */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Manage join tokens.",
        subcommands = {TokenGenerate.class})
public final class TokenCommand extends GroupCommand {}
