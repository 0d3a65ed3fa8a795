/**
 * Who is calling: the kernel's credentials of the process at the other end of a Workload API Unix-socket
 * connection, and the defence against PID reuse.
 *
 * <p><b>Capture (at accept, on the event loop).</b> {@link dev.signet.agent.peer.PeerCredentialsNegotiator}
 * is a grpc-netty protocol negotiator that, before any byte is read, asks {@link dev.signet.agent.peer.PeerTracker}
 * for SO_PEERCRED (pid, uid, gid of the process that called {@code connect()}) and publishes the
 * resulting {@link dev.signet.agent.peer.Peer} as a transport attribute;
 * {@link dev.signet.agent.peer.PeerContext} copies it into each call's gRPC context. PID 0 (the caller is in
 * another PID namespace) or missing credentials give an unattestable peer: its calls fail UNAVAILABLE.
 *
 * <p><b>The race.</b> Attestors read {@code /proc/<pid>}, but between {@code connect()} and that read the
 * caller can exit and its PID be reused by another process, whose facts would then be attributed to the
 * caller's connection.
 *
 * <p><b>Why SO_PEERPIDFD.</b> On Linux 6.5+ {@code getsockopt(SO_PEERPIDFD)} returns a pidfd for the exact
 * process that connected (the kernel recorded it at connect time, so there is no window at all). A PID is
 * not reused until its process has exited and been reaped, and a pidfd polls readable once its process
 * exits. So after attestation we check the pidfd has not exited: then every {@code /proc/<pid>} read
 * happened while the PID still named the caller. The pidfd is taken once per connection and closed when
 * the connection closes (no descriptor leak).
 *
 * <p><b>Fallback.</b> Where the kernel answers ENOPROTOOPT (or JNA cannot load libc), the tracker records the
 * start time ({@code /proc/<pid>/stat} field 22, parsed after the last {@code ')'}) at accept and compares it
 * after attestation, like SPIRE. That leaves a small window between {@code connect()} and accept.
 *
 * <p><b>When each check runs.</b> At accept: credentials, plus pidfd or start time. Per call, after all
 * attestors ran: {@link dev.signet.agent.peer.Peer#verifyAlive()}; a failure discards the selectors and the
 * call fails UNAVAILABLE "workload attestation failed". Unlike SPIRE, the {@code /proc/<pid>} owner is not
 * compared with the socket uid/gid (SPIRE's third check), which wrongly rejects non-dumpable callers.
 */
package dev.signet.agent.peer;
