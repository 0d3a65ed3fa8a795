package dev.signet.agent.peer;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.nio.ByteOrder;

/**
 * The few Linux calls the peer tracker needs that neither the JDK nor Netty expose, made through JNA:
 * {@code getsockopt(SO_PEERPIDFD)}, {@code poll} on a pidfd, {@code pidfd_open} and {@code close}.
 * Everything here is x86_64/aarch64 Linux; on any failure to load libc the tracker falls back to start times.
 */
final class Pidfd {
    static final int SOL_SOCKET = 1;
    /** {@code SO_PEERPIDFD} (Linux 6.5): a pidfd for the process that called {@code connect()}. */
    static final int SO_PEERPIDFD = 77;
    /** {@code pidfd_open(2)}; the same number on every architecture that has it (asm-generic). */
    static final long SYS_PIDFD_OPEN = 434;

    static final int ESRCH = 3;
    static final int EINTR = 4;
    static final int EBADF = 9;
    static final int EINVAL = 22;
    static final int ENOSYS = 38;
    static final int ENOPROTOOPT = 92;

    private static final int POLLIN = 0x1;

    private Pidfd() {}

    interface LibC extends Library {
        long syscall(long number, Object... args) throws LastErrorException;
    }

    /**
     * The per-connection calls ({@code getsockopt}, {@code poll}, {@code close}) through JNA direct mapping:
     * static natives bound once, primitive arrays instead of {@code ByReference}/{@code Memory} objects, no
     * proxy or reflection per call (the interface mapping cost tens of microseconds per Workload API call).
     * The variadic {@code syscall} stays on the interface mapping (direct mapping has no varargs); it is not on
     * the hot path.
     */
    private static final class Direct {
        static final boolean LOADED;
        static final Throwable LOAD_FAILURE;

        static {
            boolean loaded = false;
            Throwable failure = null;
            try {
                Native.register(Direct.class, NativeLibrary.getInstance("c"));
                loaded = true;
            } catch (LinkageError | RuntimeException e) {
                failure = e;
            }
            LOADED = loaded;
            LOAD_FAILURE = failure;
        }

        static native int getsockopt(int sockfd, int level, int optname, int[] optval, int[] optlen) throws LastErrorException;

        /** {@code fds} is one {@code struct pollfd}: {@code int fd; short events; short revents;} as two ints. */
        static native int poll(int[] fds, long nfds, int timeout) throws LastErrorException;

        static native int close(int fd) throws LastErrorException;
    }

    /** Where {@code events} and {@code revents} sit in the second int of a {@code struct pollfd}. */
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private static void requireDirect() throws UnsupportedException {
        if (!Direct.LOADED) {
            throw new UnsupportedException("cannot load libc through JNA: " + Direct.LOAD_FAILURE);
        }
    }

    /** Loaded lazily; null when JNA cannot load libc (then pidfds are "unsupported"). */
    private static final class Holder {
        static final LibC LIBC;
        static final Throwable LOAD_FAILURE;

        static {
            LibC libc = null;
            Throwable failure = null;
            try {
                libc = Native.load("c", LibC.class);
            } catch (LinkageError | RuntimeException e) {
                failure = e;
            }
            LIBC = libc;
            LOAD_FAILURE = failure;
        }
    }

    /** Thrown when this kernel (or JNA) cannot give pidfds at all, as opposed to a failure for one peer. */
    static final class UnsupportedException extends Exception {
        private static final long serialVersionUID = 1L;

        UnsupportedException(String message) {
            super(message);
        }
    }

    static LibC libc() throws UnsupportedException {
        LibC libc = Holder.LIBC;
        if (libc == null) {
            throw new UnsupportedException("cannot load libc through JNA: " + Holder.LOAD_FAILURE);
        }
        return libc;
    }

    /**
     * {@code getsockopt(socketFd, SOL_SOCKET, SO_PEERPIDFD)}: a new pidfd (close it!) for the process that
     * connected. Kernels before 6.5 answer ENOPROTOOPT, reported as {@link UnsupportedException}; a peer
     * that is already gone gives an {@link IOException}.
     */
    static int peerPidfd(int socketFd) throws UnsupportedException, IOException {
        requireDirect();
        int[] value = {-1};
        int[] length = {4};
        try {
            Direct.getsockopt(socketFd, SOL_SOCKET, SO_PEERPIDFD, value, length);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOPROTOOPT) {
                throw new UnsupportedException("SO_PEERPIDFD is not supported by this kernel (Linux 6.5 or later is needed)");
            }
            throw new IOException("getsockopt(SO_PEERPIDFD) failed: errno " + e.getErrorCode(), e);
        }
        if (value[0] < 0) {
            throw new IOException("getsockopt(SO_PEERPIDFD) returned no descriptor");
        }
        return value[0];
    }

    /** {@code pidfd_open(pid, 0)} (Linux 5.3): a pidfd for a running process, by number. */
    static int open(long pid) throws UnsupportedException, IOException {
        LibC libc = libc();
        try {
            return (int) libc.syscall(SYS_PIDFD_OPEN, (int) pid, 0);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOSYS) {
                throw new UnsupportedException("pidfd_open is not supported by this kernel");
            }
            throw new IOException("pidfd_open(" + pid + ") failed: errno " + e.getErrorCode(), e);
        }
    }

    /**
     * True if the process behind {@code pidfd} has exited (a pidfd polls readable once its process exits,
     * zombies included). Uses {@code poll} rather than {@code pidfd_send_signal(0)}: the signal needs
     * permission to signal the target (EPERM for another user's process when the agent is not root)
     * and still succeeds for an exited but unreaped zombie.
     */
    static boolean hasExited(int pidfd) throws IOException {
        try {
            requireDirect();
        } catch (UnsupportedException e) {
            throw new IOException(e.getMessage(), e);
        }
        int[] pollfd = new int[2];
        while (true) {
            pollfd[0] = pidfd;
            pollfd[1] = LITTLE_ENDIAN ? POLLIN : POLLIN << 16; // events = POLLIN, revents = 0
            try {
                int n = Direct.poll(pollfd, 1, 0);
                int revents = LITTLE_ENDIAN ? pollfd[1] >>> 16 : pollfd[1] & 0xffff;
                // 0: nothing ready, the process runs. Otherwise POLLIN (exited), POLLHUP/POLLERR, or
                // POLLNVAL (not an open descriptor): all mean "cannot vouch for the caller".
                return n != 0 || revents != 0;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EINTR) {
                    throw new IOException("poll(pidfd) failed: errno " + e.getErrorCode(), e);
                }
            }
        }
    }

    static void close(int fd) {
        if (!Direct.LOADED) {
            return; // no descriptor can have been opened without libc
        }
        try {
            Direct.close(fd);
        } catch (LastErrorException e) {
            // Nothing useful to do: the descriptor is gone either way (close never needs a retry on Linux).
        }
    }
}
