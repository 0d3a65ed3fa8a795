/**
 * JWT-SVIDs on the agent (spiffe-rules.md §1.C): {@link dev.signet.agent.jwt.JwtSvidCache} hands out tokens
 * minted by the server ({@link dev.signet.agent.jwt.JwtSvidMinter}) and reuses each until about half-life;
 * {@link dev.signet.agent.jwt.JwtSvidValidator} validates tokens for ValidateJWTSVID against the bundle of
 * the trust domain in {@code sub}. JOSE parsing and signature checks are Nimbus JOSE's.
 */
package dev.signet.agent.jwt;
