/**
 * The certificate authority: CA key lifecycle (generate, persist 0600, prepare/activate rotation), the
 * X.509 profiles of CA certificates and X509-SVIDs, and SVID signing. Signing takes the identity, TTL and
 * DNS names from the caller (which takes them from a registration entry), and only the public key from
 * a CSR.
 */
package dev.signet.server.ca;
