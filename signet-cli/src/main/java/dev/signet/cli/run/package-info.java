/**
 * The seam between the {@code run}/{@code dev} commands and the server and agent composition roots:
 * {@link dev.signet.cli.run.Launcher} and the flag records it receives.
 */
package dev.signet.cli.run;
