package dev.signet.agent.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.signet.agent.attestor.workload.Caller;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Capturing callers and proving later that their PID still names them: pidfd, start time, PID 0. */
class PeerTrackerTest {
    private static final int OWN_PID = (int) ProcessHandle.current().pid();
    private static final Caller SELF = new Caller(OWN_PID, 0, 0);

    interface Sockets extends Library {
        Sockets LIBC = Native.load("c", Sockets.class);

        int socketpair(int domain, int type, int protocol, int[] fds);

        int close(int fd);
    }

    private final int[] pair = {-1, -1};
    private Process child;

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (int fd : pair) {
            if (fd >= 0) {
                Sockets.LIBC.close(fd);
            }
        }
        if (child != null) {
            child.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** A connected Unix socket pair; the peer of each end is this process. */
    private int connectedSocket() {
        assertThat(Sockets.LIBC.socketpair(1 /* AF_UNIX */, 1 /* SOCK_STREAM */, 0, pair)).isZero();
        return pair[0];
    }

    private static boolean kernelAtLeast(int major, int minor) {
        String[] v = System.getProperty("os.version").split("[.-]");
        int maj = Integer.parseInt(v[0]);
        int min = Integer.parseInt(v[1]);
        return maj > major || (maj == major && min >= minor);
    }

    /** A child that runs until its stdin closes. */
    private Process startCat() throws IOException {
        child = new ProcessBuilder("cat").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return child;
    }

    private static void exit(Process p) throws Exception {
        p.getOutputStream().close();
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void pid0IsUnattestable() {
        Peer peer = new PeerTracker().track(connectedSocket(), new Caller(0, 1000, 1000));

        assertThat(peer.caller()).isEmpty();
        assertThat(peer.mechanism()).isEqualTo("none");
        assertThatThrownBy(peer::requireCaller).isInstanceOf(PeerGoneException.class).hasMessageContaining("another PID namespace");
        assertThatThrownBy(peer::verifyAlive).isInstanceOf(PeerGoneException.class);
    }

    @Test
    void soPeerPidfdIsUsedOnKernelsFrom6_5() throws Exception {
        assumeTrue(kernelAtLeast(6, 5), "SO_PEERPIDFD needs Linux 6.5");
        Peer peer = new PeerTracker().track(connectedSocket(), SELF);

        assertThat(peer.mechanism()).isEqualTo("pidfd");
        assertThat(peer.caller()).contains(SELF);
        peer.verifyAlive();
        int pidfd = ((Liveness.PidfdLiveness) peer.liveness()).pidfd();
        assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + pidfd)).toString()).contains("pidfd");
        assertThat(Files.readString(Path.of("/proc/self/fdinfo/" + pidfd))).contains("Pid:\t" + OWN_PID);

        peer.close();
        assertThat(Files.exists(Path.of("/proc/self/fd/" + pidfd)) && Files.readSymbolicLink(Path.of("/proc/self/fd/" + pidfd))
                .toString().contains("pidfd")).as("pidfd closed").isFalse();
        assertThatThrownBy(peer::verifyAlive).isInstanceOf(PeerGoneException.class).hasMessageContaining("closed");
        peer.close(); // idempotent
    }

    @Test
    void pidfdModeOnASocketWithoutPeerIsUnattestable() {
        // fd -1 is not a socket: a hard failure, never a silent success
        Peer peer = new PeerTracker(Path.of("/proc"), PeerTracker.Mode.PIDFD).track(-1, SELF);
        assertThat(peer.caller()).isEmpty();
        assertThatThrownBy(peer::verifyAlive).isInstanceOf(PeerGoneException.class);
    }

    @Test
    void exitedProcessIsDetectedThroughItsPidfd() throws Exception {
        Process cat = startCat();
        int pidfd = Pidfd.open(cat.pid());
        Peer peer = new Peer(new Caller((int) cat.pid(), 0, 0), new Liveness.PidfdLiveness((int) cat.pid(), pidfd));
        try {
            peer.verifyAlive();
            exit(cat);
            assertThatThrownBy(peer::verifyAlive).isInstanceOf(PeerGoneException.class).hasMessageContaining("exited");
        } finally {
            peer.close();
        }
    }

    @Test
    void exitedProcessIsDetectedThroughItsStartTime() throws Exception {
        Process cat = startCat();
        Peer peer = new PeerTracker(Path.of("/proc"), PeerTracker.Mode.START_TIME).track(-1, new Caller((int) cat.pid(), 0, 0));
        assertThat(peer.mechanism()).isEqualTo("starttime");
        peer.verifyAlive();

        exit(cat);
        assertThatThrownBy(peer::verifyAlive).isInstanceOf(PeerGoneException.class).hasMessageContaining("gone");
    }

    @Test
    void processThatExitedBeforeAcceptCannotBeTracked() throws Exception {
        Process done = new ProcessBuilder("true").start();
        assertThat(done.waitFor(5, TimeUnit.SECONDS)).isTrue();

        Peer peer = new PeerTracker(Path.of("/proc"), PeerTracker.Mode.START_TIME).track(-1, new Caller((int) done.pid(), 0, 0));
        assertThat(peer.caller()).isEmpty();
        assertThatThrownBy(peer::verifyAlive).isInstanceOf(PeerGoneException.class).hasMessageContaining("gone since it connected");
    }

    @Test
    void reusedPidIsDetectedByItsStartTime(@TempDir Path proc) throws Exception {
        Files.createDirectories(proc.resolve("4242"));
        Files.writeString(proc.resolve("4242/stat"), ProcStatTest.stat(4242, "workload", 100));
        Peer peer = new PeerTracker(proc, PeerTracker.Mode.START_TIME).track(-1, new Caller(4242, 0, 0));
        peer.verifyAlive();

        Files.writeString(proc.resolve("4242/stat"), ProcStatTest.stat(4242, "intruder", 101));
        assertThatThrownBy(peer::verifyAlive).isInstanceOf(PeerGoneException.class)
                .hasMessageContaining("start time 101 does not match 100");
    }

    @Test
    void ownProcessIsAliveByStartTime() throws Exception {
        Peer peer = new PeerTracker(Path.of("/proc"), PeerTracker.Mode.START_TIME).track(connectedSocket(), SELF);
        assertThat(peer.mechanism()).isEqualTo("starttime");
        peer.verifyAlive();
    }
}
