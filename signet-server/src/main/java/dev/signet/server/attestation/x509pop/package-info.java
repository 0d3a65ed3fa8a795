/**
 * The {@code x509pop} node attestor, server side: the node proves possession of a private key whose
 * certificate chains to a CA the operator configured.
 *
 * <p>Design:
 * <ol>
 *   <li>The payload is JSON {@code {"certificates":["<base64 DER leaf>", "<base64 DER intermediate>", ...]}}
 *       ({@link dev.signet.server.attestation.x509pop.X509PopPayload}). Syntax problems are INVALID.</li>
 *   <li>{@link dev.signet.server.attestation.x509pop.ChainVerifier} checks the limits first (at most
 *       {@code max_intermediates} intermediates, RSA keys of at most 8192 bits, an RSA or EC leaf key with KeyUsage
 *       digitalSignature), then builds and validates a PKIX path from the leaf to one of the configured CA
 *       certificates with the JDK's CertPathBuilder, at the instant of the injected {@link java.time.Clock}, without
 *       revocation checking and without an extended-key-usage requirement. Refusals are DENIED.</li>
 *   <li>Proof of possession ({@link dev.signet.server.attestation.x509pop.Challenge}): the server sends
 *       {@code {"scheme":"ecdsa-sha256"|"rsa-pss-sha256","nonce":"<32 random bytes, base64>"}}; the agent answers
 *       {@code {"nonce":"<its own 32 random bytes>","signature":"<base64>"}}, a signature with the leaf's key over
 *       SHA-256(serverNonce ‖ agentNonce). A malformed answer is INVALID, a signature that does not verify DENIED.
 *       The server nonce is fresh per attestation, so an answer recorded earlier is worthless.</li>
 *   <li>Only then are the agent ID ({@link dev.signet.server.attestation.x509pop.AgentPathTemplate}, by default
 *       {@code /signet/agent/x509pop/<sha1 of the leaf DER>}) and the selectors
 *       ({@link dev.signet.server.attestation.x509pop.X509PopSelectors}) derived from the verified certificates.
 *       The result is re-attestable: the same certificate may attest again.</li>
 * </ol>
 * See docs/attestors/x509pop.md.
 */
package dev.signet.server.attestation.x509pop;
