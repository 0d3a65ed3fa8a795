/** Shared test support: a manual clock and deadline polling. Test-only; never a production dependency. */
package dev.signet.testing;
