/**
 * SPIFFE IDs and trust domains, validated on construction exactly as the SPIFFE-ID standard
 * (spiffe-rules.md §1.A, ID-1 to ID-7) requires. Values are immutable; parse errors name the rule broken.
 *
 * <p>Signet is stricter than java-spiffe and as strict as go-spiffe: an uppercase trust domain is
 * refused rather than normalised, so nothing Signet emits can be rejected by a Go client.
 */
package dev.signet.core.spiffeid;
