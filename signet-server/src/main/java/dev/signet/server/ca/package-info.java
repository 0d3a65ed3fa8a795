/**
 * The certificate authority: CA key lifecycle (generate, persist 0600, prepare/activate rotation), the
 * X.509 profiles of CA certificates and X509-SVIDs, and SVID signing. Signing takes the identity, TTL and
 * DNS names from the caller (which takes them from a registration entry), and only the public key from
 * a CSR.
 *
 * <p><b>Signing provider.</b> CSR checks, signatures and CA/JWT key generation go through one {@link
 * dev.signet.core.x509.SigningProvider} (Conscrypt where its native library loads, else BouncyCastle; {@code
 * crypto_provider}), chosen by the composition root and passed in. Keys are translated into the provider's own key
 * objects once, at load and rotation ({@link dev.signet.server.ca.X509Profiles.Issuer} also precomputes the issuer
 * name, authority key identifier and algorithm per CA), never per signature; key files stay PKCS#8 PEM either way.
 *
 * <p><b>Several servers.</b> Private keys never leave the machine that made them, so every server sharing a
 * datastore keeps its own self-signed CA key and its own JWT signing key in its own {@code data_dir}, and
 * publishes its root and JWT public key in the one shared trust bundle. The bundle therefore carries every
 * live authority of every server; agents and workloads trust the union, so an SVID signed by any server
 * verifies everywhere (and a server's own SVID, which chains to its own root, is accepted by an agent that
 * bootstrapped from another server once it has synced the bundle). Rules that keep this correct:
 * <ul>
 *   <li>a server only ever adds its own authorities, and only withdraws its own prepared-but-unused JWT key;</li>
 *   <li>pruning removes authorities by expiry alone (X.509 at notAfter, JWT keys a margin later) — never
 *       "whatever is not in my local key set", which would delete the other servers' live roots;</li>
 *   <li>nothing assumes the bundle's first or newest root is this server's: {@link
 *       dev.signet.server.ca.CertificateAuthority#current()} is, and the bundle is only used as a set;</li>
 *   <li>the bundle's sequence number is the store's, raised by whichever server changes it;</li>
 *   <li>the cached bundle ({@link dev.signet.server.ca.CertificateAuthority#bundle()}) is dropped on every change
 *       the store's change feed reports, so another server's new root is trusted here (TLS client
 *       verification, pushes to agents) within the feed's latency.</li>
 * </ul>
 * Shared-root alternatives (one CA key copied to every server, or intermediates under an upstream root) were
 * rejected: copying a key breaks the rule above, and an upstream CA is a component this project does not have.
 * See docs/multi-server.md.
 */
package dev.signet.server.ca;
