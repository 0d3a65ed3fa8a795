package dev.signet.agent.attestor.workload.docker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A minimal HTTP/1.1 client for one {@code GET} over a Unix domain socket (the Docker Engine API): one request per
 * connection ({@code Connection: close}), bodies by {@code Content-Length}, chunked transfer coding or until the
 * server closes; a deadline for the whole exchange (the channel is closed when it passes) and a size cap.
 */
final class UnixHttp {
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "signet-docker-http-timeout");
        t.setDaemon(true);
        return t;
    });

    private UnixHttp() {}

    record Response(int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    static Response get(Path socket, String target, Duration timeout, int maxBytes) throws IOException {
        AtomicBoolean timedOut = new AtomicBoolean();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ScheduledFuture<?> watchdog = WATCHDOG.schedule(() -> {
                timedOut.set(true);
                try {
                    ch.close();
                } catch (IOException e) {
                    // closing is all we can do
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                String request = "GET " + target + " HTTP/1.1\r\nHost: docker\r\nUser-Agent: signet-agent\r\nAccept: application/json\r\n"
                        + "Connection: close\r\n\r\n";
                ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                ByteArrayOutputStream received = new ByteArrayOutputStream();
                ByteBuffer in = ByteBuffer.allocate(16 * 1024);
                while (true) {
                    in.clear();
                    int n = ch.read(in);
                    if (n > 0) {
                        received.write(in.array(), 0, n);
                        if (received.size() > maxBytes) {
                            throw new IOException("response larger than " + maxBytes + " bytes");
                        }
                    }
                    Response r = parse(received.toByteArray(), n < 0);
                    if (r != null) {
                        return r;
                    }
                    if (n < 0) {
                        throw new IOException("connection closed before a complete HTTP response (" + received.size() + " bytes)");
                    }
                }
            } catch (AsynchronousCloseException e) {
                if (timedOut.get()) {
                    throw new IOException("no complete answer within " + timeout.toMillis() + " ms");
                }
                throw e;
            } finally {
                watchdog.cancel(false);
            }
        }
    }

    /** The response if {@code data} holds a complete one (at {@code eof}, a body delimited by the close); else null. */
    static Response parse(byte[] data, boolean eof) throws IOException {
        int headerEnd = indexOf(data, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
        if (headerEnd < 0) {
            if (data.length > 64 * 1024) {
                throw new IOException("HTTP response headers longer than 64 KiB");
            }
            return null;
        }
        String[] lines = new String(data, 0, headerEnd, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1.x response: \"" + printable(lines[0]) + "\"");
        }
        int status;
        try {
            status = Integer.parseInt(statusLine[1]);
        } catch (NumberFormatException e) {
            throw new IOException("bad HTTP status line: \"" + printable(lines[0]) + "\"");
        }
        Map<String, String> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                throw new IOException("bad HTTP header line: \"" + printable(lines[i]) + "\"");
            }
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        int bodyStart = headerEnd + 4;
        String te = headers.get("transfer-encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            byte[] body = dechunk(data, bodyStart);
            return body == null ? null : new Response(status, headers, body);
        }
        String cl = headers.get("content-length");
        if (cl != null) {
            int length;
            try {
                length = Integer.parseInt(cl);
            } catch (NumberFormatException e) {
                throw new IOException("bad Content-Length \"" + printable(cl) + "\"");
            }
            if (length < 0) {
                throw new IOException("bad Content-Length \"" + cl + "\"");
            }
            if (data.length - bodyStart < length) {
                return null;
            }
            return new Response(status, headers, java.util.Arrays.copyOfRange(data, bodyStart, bodyStart + length));
        }
        if (status == 204 || status == 304 || status / 100 == 1) {
            return new Response(status, headers, new byte[0]);
        }
        return eof ? new Response(status, headers, java.util.Arrays.copyOfRange(data, bodyStart, data.length)) : null;
    }

    /** The decoded body, or null if the terminating chunk has not arrived yet. */
    private static byte[] dechunk(byte[] data, int pos) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            int lineEnd = indexOf(data, new byte[] {'\r', '\n'}, pos);
            if (lineEnd < 0) {
                return null;
            }
            String sizeText = new String(data, pos, lineEnd - pos, StandardCharsets.ISO_8859_1);
            int semi = sizeText.indexOf(';');
            if (semi >= 0) {
                sizeText = sizeText.substring(0, semi);
            }
            int size;
            try {
                size = Integer.parseInt(sizeText.trim(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size \"" + printable(sizeText) + "\"");
            }
            if (size < 0) {
                throw new IOException("bad chunk size \"" + printable(sizeText) + "\"");
            }
            int chunkStart = lineEnd + 2;
            if (size == 0) {
                // trailers (ignored) end with an empty line
                int end = indexOf(data, new byte[] {'\r', '\n'}, chunkStart);
                while (end >= 0 && end != chunkStart) {
                    chunkStart = end + 2;
                    end = indexOf(data, new byte[] {'\r', '\n'}, chunkStart);
                }
                return end < 0 ? null : body.toByteArray();
            }
            if ((long) chunkStart + size + 2 > data.length) {
                return null;
            }
            if (data[chunkStart + size] != '\r' || data[chunkStart + size + 1] != '\n') {
                throw new IOException("chunk of " + size + " bytes not followed by CRLF");
            }
            body.write(data, chunkStart, size);
            pos = chunkStart + size + 2;
        }
    }

    private static int indexOf(byte[] data, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= data.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (data[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String printable(String s) {
        String t = s.length() > 100 ? s.substring(0, 100) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }
}
