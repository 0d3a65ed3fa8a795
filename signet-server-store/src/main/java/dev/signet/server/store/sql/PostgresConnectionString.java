package dev.signet.server.store.sql;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A PostgreSQL connection string in one of the three forms the server config accepts, turned into what the
 * PostgreSQL JDBC driver needs (a {@code jdbc:postgresql:} URL plus properties):
 * <ul>
 *   <li>a libpq URI: {@code postgresql://user:password@host:port/dbname?sslmode=verify-full&sslrootcert=/etc/ca.pem}
 *       ({@code postgres://} too; user, password and database percent-decoded; {@code host1:5432,host2:5432} lists
 *       several hosts; {@code [::1]} an IPv6 address);
 *   <li>libpq {@code key=value} pairs: {@code host=db.example.org port=5432 dbname=signet user=signet password='p w'}
 *       (values with spaces in single quotes, {@code \'} and {@code \\} escapes);
 *   <li>a {@code jdbc:postgresql:} URL, passed to the driver unchanged.
 * </ul>
 * The libpq keys understood are {@code host, hostaddr, port, dbname, user, password, sslmode, sslrootcert, sslcert,
 * sslkey, sslpassword, connect_timeout, application_name, options, target_session_attrs, keepalives}; any other key
 * is refused by name. Defaults as libpq's, except that the host defaults to {@code localhost} (the JDBC driver has no
 * Unix-socket transport, so a host that is a directory is refused). {@link #toString()} and every message leave the
 * password out.
 */
public final class PostgresConnectionString {
    private static final int DEFAULT_PORT = 5432;

    private final String jdbcUrl;
    private final Properties properties;
    private final String address;
    private final String database;

    private PostgresConnectionString(String jdbcUrl, Properties properties, String address, String database) {
        this.jdbcUrl = jdbcUrl;
        this.properties = properties;
        this.address = address;
        this.database = database;
    }

    /**
     * Parses {@code s}.
     *
     * @throws IllegalArgumentException naming what is wrong (never repeating the password)
     */
    public static PostgresConnectionString parse(String s) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("the PostgreSQL connection string is empty");
        }
        String t = s.strip();
        if (t.startsWith("jdbc:postgresql:")) {
            return fromJdbc(t);
        }
        Map<String, String> keys;
        if (t.startsWith("postgresql://") || t.startsWith("postgres://")) {
            keys = uri(t);
        } else if (t.contains("=")) {
            keys = keyValues(t);
        } else {
            throw new IllegalArgumentException("not a PostgreSQL connection string: expected postgresql://user:password@host:port/dbname,"
                    + " key=value pairs (host=... dbname=... user=...) or a jdbc:postgresql: URL");
        }
        return fromKeys(keys);
    }

    /** The JDBC URL, without credentials. */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    /** Driver properties (user, password, TLS settings ...); a copy. */
    public Properties properties() {
        Properties p = new Properties();
        p.putAll(properties);
        return p;
    }

    /** {@code host:port} (comma-separated when several), for messages. */
    public String address() {
        return address;
    }

    public String database() {
        return database;
    }

    /** {@code host:port/dbname}: safe to log, never the password. */
    @Override
    public String toString() {
        return address + "/" + database;
    }

    private static PostgresConnectionString fromJdbc(String url) {
        Properties parsed = org.postgresql.Driver.parseURL(url, new Properties());
        if (parsed == null) {
            throw new IllegalArgumentException("the jdbc:postgresql: URL cannot be parsed by the PostgreSQL driver");
        }
        String[] hosts = parsed.getProperty("PGHOST", "localhost").split(",");
        String[] ports = parsed.getProperty("PGPORT", Integer.toString(DEFAULT_PORT)).split(",");
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < hosts.length; i++) {
            addresses.add(hostPort(hosts[i], ports[Math.min(i, ports.length - 1)]));
        }
        return new PostgresConnectionString(url, new Properties(), String.join(",", addresses), parsed.getProperty("PGDBNAME", ""));
    }

    private static Map<String, String> uri(String s) {
        Map<String, String> keys = new LinkedHashMap<>();
        String rest = s.substring(s.indexOf("://") + 3);
        int fragment = rest.indexOf('#');
        if (fragment >= 0) {
            rest = rest.substring(0, fragment);
        }
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        int slash = rest.indexOf('/');
        String authority = slash >= 0 ? rest.substring(0, slash) : rest;
        if (slash >= 0 && slash + 1 < rest.length()) {
            keys.put("dbname", decode(rest.substring(slash + 1), "database name"));
        }
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = userInfo.indexOf(':');
            if (colon >= 0) {
                keys.put("user", decode(userInfo.substring(0, colon), "user name"));
                keys.put("password", decode(userInfo.substring(colon + 1), "password"));
            } else if (!userInfo.isEmpty()) {
                keys.put("user", decode(userInfo, "user name"));
            }
        }
        if (!authority.isEmpty()) {
            List<String> hosts = new ArrayList<>();
            List<String> ports = new ArrayList<>();
            for (String hp : authority.split(",", -1)) {
                String host;
                String port = "";
                if (hp.startsWith("[")) {
                    int close = hp.indexOf(']');
                    if (close < 0) {
                        throw new IllegalArgumentException("the PostgreSQL connection string has an unclosed '[' in its host");
                    }
                    host = hp.substring(1, close);
                    if (hp.length() > close + 1) {
                        if (hp.charAt(close + 1) != ':') {
                            throw new IllegalArgumentException("the PostgreSQL connection string has a malformed host " + hp);
                        }
                        port = hp.substring(close + 2);
                    }
                } else {
                    int colon = hp.lastIndexOf(':');
                    host = colon >= 0 ? hp.substring(0, colon) : hp;
                    port = colon >= 0 ? hp.substring(colon + 1) : "";
                }
                hosts.add(decode(host, "host"));
                ports.add(port);
            }
            keys.put("host", String.join(",", hosts));
            if (ports.stream().anyMatch(p -> !p.isEmpty())) {
                keys.put("port", String.join(",", ports));
            }
        }
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("the PostgreSQL connection string's parameter " + safeKey(pair) + " has no value");
                }
                keys.put(decode(pair.substring(0, eq), "parameter name"), decode(pair.substring(eq + 1), "parameter value"));
            }
        }
        return keys;
    }

    private static Map<String, String> keyValues(String s) {
        Map<String, String> keys = new LinkedHashMap<>();
        int i = 0;
        int n = s.length();
        while (true) {
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= n) {
                return keys;
            }
            int keyStart = i;
            while (i < n && s.charAt(i) != '=' && !Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            String key = s.substring(keyStart, i);
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= n || s.charAt(i) != '=') {
                throw new IllegalArgumentException("the PostgreSQL connection string's key " + safeKey(key) + " has no '=' and value");
            }
            i++;
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            StringBuilder value = new StringBuilder();
            if (i < n && s.charAt(i) == '\'') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = s.charAt(i++);
                    if (c == '\\' && i < n) {
                        value.append(s.charAt(i++));
                    } else if (c == '\'') {
                        closed = true;
                        break;
                    } else {
                        value.append(c);
                    }
                }
                if (!closed) {
                    throw new IllegalArgumentException("the PostgreSQL connection string's value of " + safeKey(key) + " lacks its closing quote");
                }
            } else {
                while (i < n && !Character.isWhitespace(s.charAt(i))) {
                    char c = s.charAt(i++);
                    if (c == '\\' && i < n) {
                        value.append(s.charAt(i++));
                    } else {
                        value.append(c);
                    }
                }
            }
            keys.put(key, value.toString());
        }
    }

    private static PostgresConnectionString fromKeys(Map<String, String> keys) {
        Properties p = new Properties();
        String host = null;
        String port = null;
        String dbname = null;
        String user = null;
        for (Map.Entry<String, String> e : keys.entrySet()) {
            String v = e.getValue();
            switch (e.getKey()) {
                case "host", "hostaddr" -> host = v;
                case "port" -> port = v;
                case "dbname" -> dbname = v;
                case "user" -> user = v;
                case "password" -> p.setProperty("password", v);
                case "sslmode" -> {
                    if (!v.matches("disable|allow|prefer|require|verify-ca|verify-full")) {
                        throw new IllegalArgumentException("the PostgreSQL connection string's sslmode must be one of disable, allow,"
                                + " prefer, require, verify-ca, verify-full; got \"" + v + "\"");
                    }
                    p.setProperty("sslmode", v);
                }
                case "sslrootcert", "sslcert", "sslkey", "sslpassword" -> p.setProperty(e.getKey(), v);
                case "connect_timeout" -> p.setProperty("connectTimeout", positiveInt(e.getKey(), v));
                case "application_name" -> p.setProperty("ApplicationName", v);
                case "options" -> p.setProperty("options", v);
                case "keepalives" -> p.setProperty("tcpKeepAlive", Boolean.toString(!"0".equals(v)));
                case "target_session_attrs" -> p.setProperty("targetServerType", switch (v) {
                    case "any" -> "any";
                    case "read-write", "primary" -> "primary";
                    case "read-only", "standby" -> "secondary";
                    case "prefer-standby" -> "preferSecondary";
                    default -> throw new IllegalArgumentException("the PostgreSQL connection string's target_session_attrs \"" + v
                            + "\" is not supported (any, read-write, primary, read-only, standby, prefer-standby)");
                });
                default -> throw new IllegalArgumentException("the PostgreSQL connection string has unknown parameter " + safeKey(e.getKey())
                        + " (supported: host, hostaddr, port, dbname, user, password, sslmode, sslrootcert, sslcert, sslkey,"
                        + " sslpassword, connect_timeout, application_name, options, target_session_attrs, keepalives)");
            }
        }
        if (user == null || user.isEmpty()) {
            user = System.getProperty("user.name", "");
        }
        p.setProperty("user", user);
        if (dbname == null || dbname.isEmpty()) {
            dbname = user;
        }
        String[] hosts = host == null || host.isEmpty() ? new String[] {"localhost"} : host.split(",", -1);
        String[] ports = port == null || port.isEmpty() ? new String[] {""} : port.split(",", -1);
        if (ports.length != 1 && ports.length != hosts.length) {
            throw new IllegalArgumentException("the PostgreSQL connection string lists " + hosts.length + " hosts but " + ports.length + " ports");
        }
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < hosts.length; i++) {
            String h = hosts[i].isEmpty() ? "localhost" : hosts[i];
            if (h.startsWith("/")) {
                throw new IllegalArgumentException("the PostgreSQL connection string's host " + h + " is a Unix-socket directory;"
                        + " Signet connects over TCP only: use host=127.0.0.1 (or the server's name)");
            }
            String pt = ports[ports.length == 1 ? 0 : i];
            pt = pt.isEmpty() ? Integer.toString(DEFAULT_PORT) : pt;
            int number;
            try {
                number = Integer.parseInt(pt);
            } catch (NumberFormatException ex) {
                number = -1;
            }
            if (number < 1 || number > 65535) {
                throw new IllegalArgumentException("the PostgreSQL connection string's port \"" + pt + "\" is not a port number");
            }
            addresses.add(hostPort(h, Integer.toString(number)));
        }
        String url = "jdbc:postgresql://" + String.join(",", addresses) + "/"
                + URLEncoder.encode(dbname, StandardCharsets.UTF_8).replace("+", "%20");
        return new PostgresConnectionString(url, p, String.join(",", addresses), dbname);
    }

    private static String hostPort(String host, String port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private static String positiveInt(String key, String v) {
        try {
            if (Integer.parseInt(v) >= 0) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("the PostgreSQL connection string's " + key + " must be a whole number of seconds, got \"" + v + "\"");
    }

    private static String decode(String s, String what) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the PostgreSQL connection string's " + what + " has a malformed %-escape");
        }
    }

    /** A key for a message: keys are never secret, but a malformed string could have a password where a key was expected. */
    private static String safeKey(String key) {
        return key.length() <= 40 && key.matches("[A-Za-z0-9_]+") ? "\"" + key + "\"" : "(" + key.length() + " characters)";
    }
}
