/**
 * What every command shares: the injected {@link dev.signet.cli.common.CliEnv}, the admin client,
 * flag validation, error reporting and the text/JSON output helpers.
 */
package dev.signet.cli.common;
