/**
 * The {@code aws_iid} node attestor, agent side: the EC2 instance identity document and AWS's RSA-2048 PKCS#7
 * signature of it, read from the instance metadata service with IMDSv2 session tokens (a PUT for the token, then
 * GETs carrying it; IMDSv1-only requests are refused by instances that require v2, so v1 is never tried).
 *
 * <p>The payload is JSON {@code {"document": "<document text>", "signature": "<rsa2048 base64>"}}: the document
 * exactly as served (the server requires it to byte-equal the signed content) and the signature as IMDS serves
 * it, base64 DER without PEM armour. It is read fresh for each attestation attempt. Every IMDS request is bounded
 * by {@code imds_timeout} (5 s by default); failures name the attestor and the endpoint.
 */
package dev.signet.agent.attestor.node.awsiid;
