package dev.signet.agent.client;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One server's agent-API address. Parsed from {@code server_address}, which holds one address or several: a
 * list, or a comma-separated string. Each address is {@code host} or {@code host:port} (the port defaults to
 * {@code server_port}); an IPv6 literal is written {@code [2001:db8::1]} or {@code [2001:db8::1]:8081}, or
 * bare without a port.
 */
public record ServerAddress(String host, int port) {
    public ServerAddress {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be between 1 and 65535, got " + port);
        }
    }

    /**
     * Parses addresses: each item may itself be comma-separated. Duplicates (same host, case-insensitive, and
     * port) are refused, and so are empty items.
     *
     * @throws IllegalArgumentException naming the offending address
     */
    public static List<ServerAddress> parseAll(List<String> items, int defaultPort) {
        List<ServerAddress> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (String item : items) {
            if (item == null) {
                throw new IllegalArgumentException("an address is missing");
            }
            for (String part : item.split(",", -1)) {
                String p = part.strip();
                if (p.isEmpty()) {
                    throw new IllegalArgumentException("empty address in \"" + item + "\"");
                }
                ServerAddress a = parse(p, defaultPort);
                if (!seen.add(a.host().toLowerCase(Locale.ROOT) + ":" + a.port())) {
                    throw new IllegalArgumentException("\"" + p + "\" is listed twice");
                }
                out.add(a);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no server address given");
        }
        return List.copyOf(out);
    }

    /** Parses one {@code host}, {@code host:port}, {@code [v6]}, {@code [v6]:port} or bare IPv6 literal. */
    public static ServerAddress parse(String text, int defaultPort) {
        String s = text.strip();
        String host;
        String port = null;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("\"" + text + "\": missing ] after the IPv6 address");
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("\"" + text + "\": expected :port after ]");
                }
                port = rest.substring(1);
            }
        } else {
            int first = s.indexOf(':');
            if (first >= 0 && first == s.lastIndexOf(':')) {
                host = s.substring(0, first);
                port = s.substring(first + 1);
            } else {
                host = s; // no colon, or an IPv6 literal without brackets (and so without a port)
            }
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("\"" + text + "\": the host is empty");
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (Character.isWhitespace(c) || c == '/' || c == '[' || c == ']' || c == '@') {
                throw new IllegalArgumentException("\"" + text + "\": \"" + host + "\" is not a host name or IP address");
            }
        }
        int p = defaultPort;
        if (port != null) {
            if (!port.matches("[0-9]{1,5}")) {
                throw new IllegalArgumentException("\"" + text + "\": port must be a number between 1 and 65535");
            }
            p = Integer.parseInt(port);
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("\"" + text + "\": port must be between 1 and 65535, got " + p);
            }
        }
        return new ServerAddress(host, p);
    }

    /** {@code host:port}, with brackets around an IPv6 literal. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
