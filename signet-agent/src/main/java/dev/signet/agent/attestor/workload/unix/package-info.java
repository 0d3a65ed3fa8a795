/**
 * The built-in {@code unix} workload attestor: uid, gid, their names, supplementary groups and, when
 * configured, the executable's path and SHA-256, all read from {@code /proc/<pid>} (injectable root) and
 * the local passwd/group files. It reads by PID only; the caller's {@link dev.signet.agent.peer.Peer}
 * check after attestation is what ties those facts to the process on the socket.
 */
package dev.signet.agent.attestor.workload.unix;
