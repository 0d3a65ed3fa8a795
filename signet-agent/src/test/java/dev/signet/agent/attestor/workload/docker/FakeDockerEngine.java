package dev.signet.agent.attestor.workload.docker;

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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Docker Engine double on a real Unix socket speaking HTTP/1.1 like dockerd (Go net/http): ContainerInspect
 * answers chunked (as Go does for bodies over 2 KiB), errors as {@code {"message": "..."}} with Content-Length.
 */
final class FakeDockerEngine implements AutoCloseable {
    final Path socket;
    final Map<String, String> containers = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** Number of upcoming requests answered 500 (a daemon restarting). */
    final AtomicInteger failNext = new AtomicInteger();
    private final ServerSocketChannel server;
    private final Thread acceptor;

    FakeDockerEngine(Path socket) throws IOException {
        this.socket = socket;
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        acceptor = new Thread(this::acceptLoop, "fake-dockerd");
        acceptor.setDaemon(true);
        acceptor.start();
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
            String path = parts[1];
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                error(c, 500, "Internal Server Error", "{\"message\":\"daemon is restarting\"}\n");
                return;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("/v1\\.\\d+/containers/([^/]+)/json").matcher(path);
            if (!parts[0].equals("GET") || !m.matches()) {
                error(c, 404, "Not Found", "{\"message\":\"page not found\"}\n");
                return;
            }
            String body = containers.get(m.group(1));
            if (body == null) {
                error(c, 404, "Not Found", "{\"message\":\"No such container: " + m.group(1) + "\"}\n");
                return;
            }
            StringBuilder out = new StringBuilder("HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
                    + "Docker-Experimental: false\r\nOstype: linux\r\nServer: Docker/20.10.24 (linux)\r\nDate: Sat, 01 Mar 2026 10:00:00 GMT\r\n"
                    + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
            byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            raw.write(out.toString().getBytes(StandardCharsets.ISO_8859_1));
            for (int off = 0, n = 1000; off < bytes.length; off += n, n = n == 1000 ? 777 : 1000) {
                int len = Math.min(n, bytes.length - off);
                raw.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                raw.write(bytes, off, len);
                raw.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            raw.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            write(c, raw.toByteArray());
        } catch (IOException e) {
            // client went away
        }
    }

    private static void error(SocketChannel c, int code, String reason, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
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

    /** A ContainerInspect answer in dockerd's shape (API 1.41). */
    static String inspect(String id, String name, String image, Map<String, String> labels, List<String> env) {
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

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
    }
}
