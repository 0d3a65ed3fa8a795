/**
 * The Signet server. {@link dev.signet.server.Server} is the composition root. Packages: {@code config}
 * (HCL), {@code ca} (keys, X.509 profiles, rotation), {@code identity} (the server's own SVID),
 * {@code registration} (entry policy), {@code authorization} (which entries each agent gets),
 * {@code attestation} (node attestors), {@code api.agent} (TLS agent API), {@code api.admin} (admin socket).
 * The datastore lives in the {@code signet-server-store} module.
 */
package dev.signet.server;
