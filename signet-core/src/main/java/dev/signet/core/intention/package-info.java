/**
 * Intentions: which sources may connect to which destination services, Consul style. The model
 * ({@link dev.signet.core.intention.Intention}, {@link dev.signet.core.intention.IntentionSource},
 * {@link dev.signet.core.intention.IntentionDestination}), Consul's precedence and the decision
 * ({@link dev.signet.core.intention.Intentions#decide}). Pure code: no I/O, no clock.
 */
package dev.signet.core.intention;
