/**
 * The {@code x509pop} node attestor, agent side: sends the node's certificate chain and proves possession of
 * its private key when the server challenges.
 *
 * <p>Design: {@link dev.signet.agent.attestor.node.x509pop.X509PopClient} reads the key and certificate files
 * each time attestation starts (so a renewed node certificate is picked up without a restart), checks that the
 * key belongs to the first certificate, and sends {@code {"certificates":["<base64 DER leaf>", ...]}}. The
 * server's challenge {@code {"scheme":"ecdsa-sha256"|"rsa-pss-sha256","nonce":"<base64 32 bytes>"}} is answered
 * with {@code {"nonce":"<base64 of 32 fresh random bytes>","signature":"<base64>"}}: a signature over
 * SHA-256(serverNonce ‖ agentNonce) with the key read for this attestation. The agent refuses a challenge whose
 * scheme doesn't fit its key or whose nonce is not 32 bytes, so a server can't make it sign chosen data. Every
 * error names the attestor and, for file problems, the file. See docs/attestors/x509pop.md.
 */
package dev.signet.agent.attestor.node.x509pop;
