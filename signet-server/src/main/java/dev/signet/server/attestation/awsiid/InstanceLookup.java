package dev.signet.server.attestation.awsiid;

import dev.signet.server.attestation.NodeAttestor.AttestationFailure;

/** Looks up a running instance in EC2 (DescribeInstances). */
interface InstanceLookup {
    /**
     * @throws AttestationFailure DENIED when EC2 does not know the instance, UNAVAILABLE when EC2 could not be
     *     asked (unreachable, throttled, refused the server's credentials)
     */
    InstanceFacts describe(String region, String instanceId) throws AttestationFailure;
}
