/**
 * Node attestation, server side: each attestor verifies an agent's evidence and yields its agent ID and
 * node selectors. Built-ins are listed explicitly by the server's composition root.
 */
package dev.signet.server.attestation;
