/**
 * A double of the AWS platform, which can't run here: {@link dev.signet.testing.platform.aws.FakeImds}, the EC2
 * instance metadata service with the IMDSv2 session-token protocol. It speaks the real wire format (the
 * {@code PUT /latest/api/token} handshake and its TTL header, 401 without a valid token, the instance identity
 * document and its signature as text) so that the agent's client talks to it exactly as on an instance; what it
 * serves is real-shaped and signed by the test. Test-only: modules take this one with test scope.
 */
package dev.signet.testing.platform.aws;
