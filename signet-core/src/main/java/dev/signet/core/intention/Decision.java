package dev.signet.core.intention;

/**
 * The answer for one connection.
 *
 * @param decidedBy the intention that decided, or null when the default policy did
 * @param reason one line for humans, Consul's {@code Reason}
 */
public record Decision(boolean allowed, Intention decidedBy, String reason) {}
