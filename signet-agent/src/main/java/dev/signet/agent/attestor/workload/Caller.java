package dev.signet.agent.attestor.workload;

/** The process on the other end of a Workload API connection, as the kernel reported it (SO_PEERCRED). */
public record Caller(int pid, int uid, int gid) {}
