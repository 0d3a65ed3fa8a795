/**
 * Shared test support: a manual clock and deadline polling; doubles of the platforms that can't run here are in the
 * {@code platform.*} subpackages. Test-only; never a production dependency.
 */
package dev.signet.testing;
