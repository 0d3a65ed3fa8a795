/**
 * The {@code aws_iid} node attestor, server side: an EC2 instance proves itself with its instance identity
 * document and AWS's RSA-2048 PKCS#7 signature of it, read by the agent from IMDSv2.
 *
 * <p>Verification, in order ({@link dev.signet.server.attestation.awsiid.AwsIidAttestor}):
 * <ol>
 *   <li>The payload is JSON {@code {"document": "<exact document text>", "signature": "<rsa2048 base64>"}}; anything
 *       else is INVALID.
 *   <li>The region the document claims picks the configured AWS certificates ({@code aws_certificates}, keyed by
 *       region, {@code default} for the rest). The claim is not trusted: it only chooses which keys must verify.
 *   <li>{@link dev.signet.server.attestation.awsiid.IidSignature} parses the CMS SignedData with BouncyCastle,
 *       requires embedded content and a SHA-256-or-stronger digest, and verifies a signer against one of those
 *       certificates (BouncyCastle also checks the message digest of the content and, when the signature carries a
 *       signing time, that the certificate was valid then). Failure is DENIED.
 *   <li>The signed content must byte-equal the document sent next to it (a valid signature for one document must
 *       not vouch for another): DENIED otherwise. Only then is the document parsed
 *       ({@link dev.signet.server.attestation.awsiid.IdentityDocument}), each field checked against AWS's shapes.
 *   <li>{@code accounts_allow_list}, when set, must contain the account: DENIED otherwise.
 *   <li>Unless {@code skip_ec2_enrichment}, EC2 DescribeInstances
 *       ({@link dev.signet.server.attestation.awsiid.Ec2InstanceLookup}) adds tags, security groups and the
 *       instance profile. An unknown instance, or one EC2 lists under another account, is DENIED; EC2 unreachable,
 *       throttling or refusing the server's credentials is UNAVAILABLE, so the agent retries and its document is
 *       not used up.
 * </ol>
 *
 * <p>Trust on first use: results are not re-attestable, so the server's attestation completion refuses a second
 * attestation for an agent ID that exists ("attestation data has already been used"). A stolen document can't mint
 * a second agent for the same instance; an operator evicts the agent to let the instance attest again.
 *
 * <p>EC2 is called through the AWS SDK for Java v2 ({@code software.amazon.awssdk:ec2} with the
 * {@code url-connection-client}; the Netty and Apache HTTP clients are excluded), which handles SigV4, the Query
 * protocol and the default credential chain. It is large (the ec2 jar alone is about 26 MB) but avoids a
 * hand-written signer. The {@code iamrole:} selector carries the instance profile ARN from DescribeInstances;
 * {@code iam:GetInstanceProfile} (which would give the role ARNs) is not called, to need one permission and one
 * SDK module fewer.
 */
package dev.signet.server.attestation.awsiid;
