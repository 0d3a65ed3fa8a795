/** Node attestation, agent side: evidence of the node's identity sent to the server once, at bootstrap. */
package dev.signet.agent.attestor.node;
