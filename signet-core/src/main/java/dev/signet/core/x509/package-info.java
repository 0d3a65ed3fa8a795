/** X.509 plumbing shared by the CA, the agent and the CLI: keys, CSRs, PEM/DER, certificate inspection. */
package dev.signet.core.x509;
