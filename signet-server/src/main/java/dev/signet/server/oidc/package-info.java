/**
 * OIDC discovery for JWT-SVIDs: an HTTPS listener serving {@code /.well-known/openid-configuration} and
 * the JWKS of the server's JWT signing keys, so OIDC relying parties (cloud IAM, Vault) can validate
 * JWT-SVIDs without speaking SPIFFE.
 */
package dev.signet.server.oidc;
