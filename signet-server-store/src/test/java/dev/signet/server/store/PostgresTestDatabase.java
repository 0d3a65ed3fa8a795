package dev.signet.server.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A fresh PostgreSQL database on a real PostgreSQL server, for tests. Shipped in this module's test-jar
 * ({@code <artifactId>signet-server-store</artifactId><type>test-jar</type><scope>test</scope>}); the PostgreSQL
 * JDBC driver comes with signet-server-store itself.
 *
 * <pre>{@code
 * static PostgresTestDatabase db;
 * @BeforeAll static void database() { db = PostgresTestDatabase.newDatabase(); }
 * @AfterAll static void drop() { db.close(); }
 * @BeforeEach void empty() { db.reset(); }   // if tests share the database
 * ... PostgresDatastore.open(db.connectionString(), clock)
 * ... server config: datastore { type = "postgres" connection_string = "<db.connectionString()>" }
 * }</pre>
 *
 * <p><b>Which server.</b> Resolved once per JVM, in this order:
 * <ol>
 *   <li>the environment variable {@code SIGNET_TEST_POSTGRES_URL}, a {@code jdbc:postgresql://host:port/db?user=..&password=..}
 *       URL of a role that may {@code CREATE DATABASE} (used as given; if it does not work the test fails);
 *   <li>{@code 127.0.0.1:5432} as user {@code signet}, password {@code signet} (what {@code .ci/run} sets up);
 *   <li>a private throwaway cluster made with the installed PostgreSQL binaries ({@code /usr/lib/postgresql/<version>/bin}
 *       {@code initdb} and {@code pg_ctl}, run as the {@code postgres} OS user when the tests run as root, since
 *       PostgreSQL refuses to run as root) in a temporary directory, on a free port of 127.0.0.1 with its Unix socket
 *       in that directory, stopped and deleted by a JVM shutdown hook. Start-up takes a few seconds. It runs with
 *       {@code fsync=off} for speed: it only has to survive crashes of the processes under test, never its own.
 * </ol>
 * If none works the call fails with what each attempt said and how to install or start PostgreSQL; tests are never
 * skipped silently.
 *
 * <p><b>Each database</b> is named {@code signet_t_<random>}, owned by the resolved role, and dropped by
 * {@link #close} (databases of a crashed run stay behind on a shared server; the private cluster goes entirely).
 */
public final class PostgresTestDatabase implements AutoCloseable {
    /** The environment variable naming the server to use. */
    public static final String URL_VARIABLE = "SIGNET_TEST_POSTGRES_URL";

    private static final String CI_HOST = "127.0.0.1";
    private static final int CI_PORT = 5432;
    private static final String CI_USER = "signet";
    private static final String CI_PASSWORD = "signet";

    private static Server server;

    private final Server on;
    private final String name;
    private boolean closed;

    private PostgresTestDatabase(Server on, String name) {
        this.on = on;
        this.name = name;
    }

    /** Creates a new, empty, uniquely named database on the test server (resolving the server on first use). */
    public static PostgresTestDatabase newDatabase() {
        Server s = server();
        String name = "signet_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = s.admin(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name + " on " + s.describe() + ": " + e.getMessage(), e);
        }
        return new PostgresTestDatabase(s, name);
    }

    /** Which server the databases are created on, e.g. for a test's log line. */
    public static String serverDescription() {
        return server().describe();
    }

    /** The database's name. */
    public String name() {
        return name;
    }

    public String host() {
        return on.host;
    }

    public int port() {
        return on.port;
    }

    /** {@code jdbc:postgresql://host:port/name}, without credentials (pass {@link #user()} and {@link #password()}). */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + on.host + ":" + on.port + "/" + name;
    }

    public String user() {
        return on.user;
    }

    public String password() {
        return on.password;
    }

    /**
     * The database as the server's {@code datastore { connection_string = ... }} accepts it:
     * {@code postgresql://user:password@host:port/name?sslmode=disable} (user and password percent-encoded).
     */
    public String connectionString() {
        return "postgresql://" + encode(on.user) + ":" + encode(on.password) + "@" + on.host + ":" + on.port + "/" + name
                + "?sslmode=disable";
    }

    /** A new JDBC connection to this database (auto-commit on); the caller closes it. */
    public Connection connect() throws SQLException {
        return on.connect(name);
    }

    /**
     * Empties every table of the database's current schema except Flyway's {@code flyway_schema_history}, and sets the
     * Signet change and catalog counters (if the schema has them) back to 0, so that tests sharing the database start from an
     * empty store without migrating again. A no-op on a database nothing was migrated into.
     */
    public void reset() {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            List<String> counters = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")) {
                while (rs.next()) {
                    String t = rs.getString(1);
                    if (t.equals("change_counter") || t.equals("catalog_counter")) {
                        counters.add(t);
                    } else if (!t.equals("flyway_schema_history")) {
                        tables.add("\"" + t.replace("\"", "\"\"") + "\"");
                    }
                }
            }
            if (!tables.isEmpty()) {
                // TRUNCATE replaces each table's files, which costs a flush per table: only the non-empty ones.
                List<String> full = new ArrayList<>();
                String probe = String.join(" UNION ALL ", tables.stream()
                        .map(t -> "SELECT '" + t.replace("'", "''") + "' WHERE EXISTS (SELECT 1 FROM " + t + ")").toList());
                try (ResultSet rs = st.executeQuery(probe)) {
                    while (rs.next()) {
                        full.add(rs.getString(1));
                    }
                }
                if (!full.isEmpty()) {
                    st.execute("TRUNCATE TABLE " + String.join(", ", full) + " CASCADE");
                }
            }
            for (String t : counters) {
                st.executeUpdate("UPDATE " + t + " SET counter = 0");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot empty test database " + name + ": " + e.getMessage(), e);
        }
    }

    /** Drops the database, disconnecting whoever is still connected. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (Connection c = on.admin(); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop test database " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "test database " + name + " on " + on.describe();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    // ---- the server ---------------------------------------------------------------------------------

    private static synchronized Server server() {
        if (server == null) {
            server = resolve();
        }
        return server;
    }

    private static Server resolve() {
        String url = System.getenv(URL_VARIABLE);
        if (url != null && !url.isBlank()) {
            Properties p = org.postgresql.Driver.parseURL(url.trim(), new Properties());
            if (p == null) {
                throw new IllegalStateException(URL_VARIABLE + " is not a jdbc:postgresql: URL: " + url);
            }
            Server s = new Server(p.getProperty("PGHOST", "localhost"), Integer.parseInt(p.getProperty("PGPORT", "5432")),
                    p.getProperty("PGDBNAME", "postgres"), p.getProperty("user", System.getProperty("user.name")),
                    p.getProperty("password", ""), URL_VARIABLE);
            String problem = s.check();
            if (problem != null) {
                throw new IllegalStateException(URL_VARIABLE + " names " + s.describe() + ", which does not work: " + problem);
            }
            return s;
        }
        List<String> tried = new ArrayList<>();
        Server ci = new Server(CI_HOST, CI_PORT, "postgres", CI_USER, CI_PASSWORD, "the local PostgreSQL service");
        String problem = ci.check();
        if (problem == null) {
            return ci;
        }
        tried.add(ci.describe() + ": " + problem);
        try {
            return PrivateCluster.start();
        } catch (RuntimeException | IOException e) {
            tried.add("a private cluster from the installed binaries: " + e.getMessage());
        }
        throw new IllegalStateException("no PostgreSQL server for the tests. Tried:\n  - " + String.join("\n  - ", tried)
                + "\nInstall and start PostgreSQL, e.g. as root: apt-get install -y postgresql && pg_ctlcluster <version> main start"
                + " && runuser -u postgres -- psql -c \"CREATE ROLE signet LOGIN CREATEDB PASSWORD 'signet'\""
                + " (what .ci/run does), or set " + URL_VARIABLE
                + "=jdbc:postgresql://host:port/postgres?user=...&password=... (a role that may CREATE DATABASE).");
    }

    /** A PostgreSQL server reachable over TCP and a role on it that may create databases. */
    private static final class Server {
        final String host;
        final int port;
        final String adminDatabase;
        final String user;
        final String password;
        final String source;

        Server(String host, int port, String adminDatabase, String user, String password, String source) {
            this.host = host;
            this.port = port;
            this.adminDatabase = adminDatabase;
            this.user = user;
            this.password = password;
            this.source = source;
        }

        Connection connect(String database) throws SQLException {
            Properties p = new Properties();
            p.setProperty("user", user);
            p.setProperty("password", password);
            p.setProperty("connectTimeout", "5");
            p.setProperty("sslmode", "disable");
            return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + database, p);
        }

        Connection admin() throws SQLException {
            return connect(adminDatabase);
        }

        /** Null if this server works for the tests; otherwise what is wrong. */
        String check() {
            try (Connection c = admin(); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    return "role " + user + " may not create databases (ALTER ROLE " + user + " CREATEDB)";
                }
                return null;
            } catch (SQLException e) {
                return String.valueOf(e.getMessage()).replace('\n', ' ');
            }
        }

        String describe() {
            return "PostgreSQL at " + host + ":" + port + " as " + user + " (" + source + ")";
        }
    }

    /** A throwaway cluster in a temporary directory, started with the installed binaries. */
    private static final class PrivateCluster {
        private static final String USER = "signet";
        private static final String PASSWORD = "signet";

        static Server start() throws IOException {
            Path bin = binaries();
            boolean root = "root".equals(System.getProperty("user.name"));
            Path dir = Files.createTempDirectory("signet-pg-");
            Path data = dir.resolve("data");
            Path pwfile = dir.resolve("pwfile");
            Files.writeString(pwfile, PASSWORD + "\n");
            if (root) {
                chownTree(dir, "postgres");
            }
            int port = freePort();
            List<String> asOwner = root ? List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--")
                    : List.of();
            run(dir, concat(asOwner, bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER, "--pwfile=" + pwfile,
                    "-A", "scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"));
            Thread stopper = new Thread(() -> stop(bin, asOwner, dir, data), "signet-test-postgres-stop");
            Runtime.getRuntime().addShutdownHook(stopper);
            run(dir, concat(asOwner, bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("log").toString(),
                    "-w", "-t", "60", "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c max_connections=300"
                    + " -c fsync=off", "start"));
            Server s = new Server("127.0.0.1", port, "postgres", USER, PASSWORD, "private cluster in " + dir);
            String problem = s.check();
            if (problem != null) {
                throw new IllegalStateException("the private cluster in " + dir + " started but does not work: " + problem);
            }
            return s;
        }

        /** The newest installed version's bin directory. */
        private static Path binaries() throws IOException {
            Path base = Path.of("/usr/lib/postgresql");
            if (!Files.isDirectory(base)) {
                throw new IllegalStateException("no PostgreSQL binaries in " + base + " (apt-get install postgresql)");
            }
            try (Stream<Path> versions = Files.list(base)) {
                return versions.map(v -> v.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                        .max(Comparator.comparing(b -> versionOf(b.getParent().getFileName().toString())))
                        .orElseThrow(() -> new IllegalStateException("no initdb and pg_ctl under " + base + "/<version>/bin"));
            }
        }

        private static Integer versionOf(String s) {
            try {
                return Integer.parseInt(s.replaceAll("[^0-9].*", ""));
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        private static int freePort() throws IOException {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                return s.getLocalPort();
            }
        }

        private static void chownTree(Path dir, String owner) throws IOException {
            UserPrincipalLookupService lookup = dir.getFileSystem().getUserPrincipalLookupService();
            UserPrincipal user = lookup.lookupPrincipalByName(owner);
            GroupPrincipal group = lookup.lookupPrincipalByGroupName(owner);
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.toList()) {
                    PosixFileAttributeView v = Files.getFileAttributeView(p, PosixFileAttributeView.class);
                    v.setOwner(user);
                    v.setGroup(group);
                }
            }
        }

        private static List<String> concat(List<String> prefix, String... rest) {
            List<String> out = new ArrayList<>(prefix);
            out.addAll(List.of(rest));
            return out;
        }

        private static void run(Path dir, List<String> command) throws IOException {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("setup.out").toFile());
            pb.directory(dir.toFile());
            pb.environment().put("LC_ALL", "C");
            Process p = pb.start();
            try {
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", command) + " did not finish within 120 s");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running " + command.get(command.size() - 1), e);
            }
            if (p.exitValue() != 0) {
                String out = Files.readString(dir.resolve("setup.out"));
                Path log = dir.resolve("log");
                if (Files.exists(log)) {
                    out += Files.readString(log);
                }
                throw new IllegalStateException(String.join(" ", command) + " exited with " + p.exitValue() + ": "
                        + out.strip().replace('\n', ' '));
            }
        }

        private static void stop(Path bin, List<String> asOwner, Path dir, Path data) {
            try {
                run(dir, concat(asOwner, bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop"));
            } catch (IOException | RuntimeException ignored) {
                // Best effort at JVM exit: the directory goes anyway.
            }
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException | UncheckedIOException ignored) {
                // A temporary directory left behind is harmless.
            }
        }
    }
}
