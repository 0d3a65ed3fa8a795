package dev.signet.server.attestation.awsiid;

import java.util.List;
import java.util.Map;

/**
 * What EC2 DescribeInstances says about an instance beyond its identity document.
 *
 * @param ownerId the reservation's owner (account ID)
 * @param tags the instance's tags, key to value
 * @param securityGroups the instance's security groups
 * @param instanceProfileArn the ARN of the attached IAM instance profile, or null
 */
record InstanceFacts(String ownerId, Map<String, String> tags, List<SecurityGroup> securityGroups, String instanceProfileArn) {
    record SecurityGroup(String id, String name) {}
}
