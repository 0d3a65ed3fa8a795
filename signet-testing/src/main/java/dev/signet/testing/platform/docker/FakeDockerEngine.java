package dev.signet.testing.platform.docker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Docker Engine double on a real Unix socket speaking HTTP/1.1 as dockerd (Go net/http) does: ContainerInspect
 * ({@code GET /v1.NN/containers/<id>/json}) answers real-shaped JSON (API 1.41), chunked in uneven chunks (Go chunks
 * bodies over 2 KiB); errors carry {@code {"message": "..."}} with a Content-Length: 404 {@code No such container: <id>}
 * for an unknown container, 404 {@code page not found} for any other route, 500 {@code daemon is restarting} for the
 * requests {@link #failNext(int)} asks to fail. Each connection serves one request and closes.
 */
public final class FakeDockerEngine implements AutoCloseable {
    private static final Pattern INSPECT = Pattern.compile("/v1\\.\\d+/containers/([^/?]+)/json");

    private final Path socket;
    private final Map<String, String> containers = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger failNext = new AtomicInteger();
    private final ServerSocketChannel server;

    /** Listens on {@code socket} (replacing a stale file there). */
    public FakeDockerEngine(Path socket) throws IOException {
        this.socket = socket;
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread t = new Thread(this::acceptLoop, "fake-dockerd");
        t.setDaemon(true);
        t.start();
    }

    public Path socket() {
        return socket;
    }

    /** Makes the engine know a running container {@code id} with this name, image, labels and environment. */
    public void container(String id, String name, String image, Map<String, String> labels, List<String> env) {
        answer(id, inspect(id, name, image, labels, env));
    }

    /**
     * Answers ContainerInspect for {@code id} with this body as it is, e.g. an {@link #inspect} of another container or
     * malformed JSON.
     */
    public void answer(String id, String body) {
        containers.put(id, body);
    }

    /** The next {@code n} requests are answered 500 (a daemon restarting). */
    public void failNext(int n) {
        failNext.set(n);
    }

    /** The request lines received so far, e.g. {@code GET /v1.41/containers/<id>/json HTTP/1.1}. */
    public List<String> requests() {
        return List.copyOf(new ArrayList<>(requests));
    }

    public void clearRequests() {
        requests.clear();
    }

    /** A ContainerInspect answer in dockerd's shape (API 1.41) for a running container. */
    public static String inspect(String id, String name, String image, Map<String, String> labels, List<String> env) {
        StringBuilder l = new StringBuilder();
        labels.forEach((k, v) -> l.append(l.length() == 0 ? "" : ",").append('"').append(k).append("\":\"").append(v).append('"'));
        StringBuilder e = new StringBuilder();
        env.forEach(v -> e.append(e.length() == 0 ? "" : ",").append('"').append(v).append('"'));
        return """
                {"Id":"%1$s","Created":"2026-02-28T08:15:02.123456789Z","Path":"/docker-entrypoint.sh","Args":["nginx","-g","daemon off;"],\
                "State":{"Status":"running","Running":true,"Paused":false,"Restarting":false,"OOMKilled":false,"Dead":false,"Pid":41235,\
                "ExitCode":0,"Error":"","StartedAt":"2026-02-28T08:15:02.512345678Z","FinishedAt":"0001-01-01T00:00:00Z"},\
                "Image":"sha256:a8758716bb6aa4d90071160d27028fe4eaee7ce8166221a97d30440c8eac2be6",\
                "ResolvConfPath":"/var/lib/docker/containers/%1$s/resolv.conf","HostnamePath":"/var/lib/docker/containers/%1$s/hostname",\
                "LogPath":"/var/lib/docker/containers/%1$s/%1$s-json.log","Name":"/%2$s","RestartCount":0,"Driver":"overlay2",\
                "Platform":"linux","MountLabel":"","ProcessLabel":"","AppArmorProfile":"docker-default","ExecIDs":null,\
                "HostConfig":{"Binds":null,"NetworkMode":"default","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},\
                "AutoRemove":false,"CgroupnsMode":"private","Privileged":false,"ReadonlyRootfs":false},\
                "Mounts":[],\
                "Config":{"Hostname":"%3$s","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,\
                "ExposedPorts":{"80/tcp":{}},"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":[%5$s],\
                "Cmd":["nginx","-g","daemon off;"],"Image":"%4$s","Volumes":null,"WorkingDir":"","Entrypoint":["/docker-entrypoint.sh"],\
                "OnBuild":null,"Labels":{%6$s},"StopSignal":"SIGQUIT"},\
                "NetworkSettings":{"Bridge":"","SandboxID":"5e1c0b0f5b0e","HairpinMode":false,"Ports":{"80/tcp":null},\
                "IPAddress":"172.17.0.3","IPPrefixLen":16,"MacAddress":"02:42:ac:11:00:03","Networks":{"bridge":{"IPAMConfig":null,\
                "Links":null,"Aliases":null,"NetworkID":"0f0e0d0c","EndpointID":"0a0b0c0d","Gateway":"172.17.0.1","IPAddress":"172.17.0.3",\
                "IPPrefixLen":16,"MacAddress":"02:42:ac:11:00:03"}}}}""".formatted(id, name, id.substring(0, 12), image, e, l);
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                Thread t = new Thread(() -> serve(c), "fake-dockerd-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(SocketChannel c) {
        try (c) {
            ByteArrayOutputStream req = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(4096);
            while (!req.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                buf.clear();
                if (c.read(buf) < 0) {
                    return;
                }
                req.write(buf.array(), 0, buf.position());
            }
            String requestLine = req.toString(StandardCharsets.ISO_8859_1).split("\r\n", 2)[0];
            requests.add(requestLine);
            String[] parts = requestLine.split(" ");
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                error(c, 500, "Internal Server Error", "daemon is restarting");
                return;
            }
            Matcher m = INSPECT.matcher(parts.length > 1 ? parts[1] : "");
            if (!parts[0].equals("GET") || !m.matches()) {
                error(c, 404, "Not Found", "page not found");
                return;
            }
            String body = containers.get(m.group(1));
            if (body == null) {
                error(c, 404, "Not Found", "No such container: " + m.group(1));
                return;
            }
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            raw.write(("HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nDocker-Experimental: false\r\n"
                    + "Ostype: linux\r\nServer: Docker/20.10.24 (linux)\r\nDate: Sat, 01 Mar 2026 10:00:00 GMT\r\n"
                    + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
            // uneven chunk sizes, so a client that assumes one size (or one read per chunk) is caught
            for (int off = 0, n = 1000; off < bytes.length; off += n, n = n == 1000 ? 777 : 1000) {
                int len = Math.min(n, bytes.length - off);
                raw.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                raw.write(bytes, off, len);
                raw.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            raw.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            write(c, raw.toByteArray());
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void error(SocketChannel c, int code, String reason, String message) throws IOException {
        byte[] b = ("{\"message\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}\n").getBytes(StandardCharsets.UTF_8);
        write(c, ("HTTP/1.1 " + code + " " + reason + "\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        write(c, b);
    }

    private static void write(SocketChannel c, byte[] b) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(b);
        while (bb.hasRemaining()) {
            c.write(bb);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
    }
}
