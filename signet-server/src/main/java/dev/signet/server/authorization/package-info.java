/**
 * Which entries each agent is authorized to receive and have signed.
 *
 * <p>{@link dev.signet.server.authorization.EntryCache} holds an immutable {@link dev.signet.server.authorization.EntryIndex}
 * (all entries, bucketed by parent agent ID, by one node selector, and any-node, so an agent's authorized entries cost
 * O(its candidates)) tagged with the store change counter it reflects. This server's own commits are applied in memory
 * as they commit (the store's commit report gives the counter range and the entries written); only a counter move the
 * cache did not see (another server's change) costs a full reload. Listeners are told what changed, so the sync hub
 * pushes only to the agents concerned.
 */
package dev.signet.server.authorization;
