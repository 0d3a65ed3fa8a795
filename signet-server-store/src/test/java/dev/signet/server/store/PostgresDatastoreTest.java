package dev.signet.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.registration.Entry;
import dev.signet.core.registration.Parent;
import dev.signet.server.store.sql.PostgresDatastore;
import dev.signet.testing.Poll;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract on PostgreSQL (one database for the class, emptied before each test), plus what is particular to a
 * database server shared by several servers: races between two pools, connection failures, foreign schemas.
 */
class PostgresDatastoreTest extends DatastoreContract {
    private static PostgresTestDatabase db;

    @BeforeAll
    static void database() {
        db = PostgresTestDatabase.newDatabase();
    }

    @AfterAll
    static void drop() {
        db.close();
    }

    @BeforeEach
    void empty() {
        db.reset();
    }

    @Override
    protected Datastore newDatastore(Clock clock) {
        return PostgresDatastore.open(db.connectionString(), clock);
    }

    private List<String> appliedVersions(PostgresTestDatabase d) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = d.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT version, success FROM flyway_schema_history WHERE version IS NOT NULL"
                        + " ORDER BY installed_rank")) {
            while (rs.next()) {
                out.add(rs.getString(1) + (rs.getBoolean(2) ? "" : " (failed)"));
            }
        }
        return out;
    }

    // ---- races between servers (two pools) --------------------------------------------------------------

    @Test
    void twoServersRacingForOneJoinTokenHaveExactlyOneWinnerEveryTime() throws Exception {
        Datastore second = open();
        int rounds = 60;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < rounds; round++) {
                String token = "tok-" + round;
                JoinToken t = new JoinToken(token, START.plusSeconds(60), labels("round", Integer.toString(round)));
                (round % 2 == 0 ? store : second).joinTokens().create(t);
                CyclicBarrier barrier = new CyclicBarrier(4);
                List<Future<Optional<JoinToken>>> results = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    Datastore ds = i % 2 == 0 ? store : second;
                    Callable<Optional<JoinToken>> consume = () -> {
                        barrier.await(30, TimeUnit.SECONDS);
                        return ds.joinTokens().consume(token);
                    };
                    results.add(pool.submit(consume));
                }
                List<JoinToken> winners = new ArrayList<>();
                for (Future<Optional<JoinToken>> f : results) {
                    f.get(60, TimeUnit.SECONDS).ifPresent(winners::add);
                }
                assertThat(winners).as("winners of round %d", round).containsExactly(t);
            }
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = db.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM join_tokens), (SELECT count(*) FROM join_token_labels)")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
            assertThat(rs.getInt(2)).isZero();
        }
    }

    @Test
    void twoServersCreatingTheSameRegistrationAtOnceGetOneEntryAndOneDuplicateError() throws Exception {
        Datastore second = open();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 30; round++) {
                Entry e = entry(null, "/race/" + round, new Parent.AnyNode(), "unix:uid:" + round);
                CyclicBarrier barrier = new CyclicBarrier(2);
                List<Future<Entry>> results = new ArrayList<>();
                for (Datastore ds : List.of(store, second)) {
                    results.add(pool.submit(() -> {
                        barrier.await(30, TimeUnit.SECONDS);
                        return ds.entries().create(e);
                    }));
                }
                int created = 0;
                int duplicates = 0;
                for (Future<Entry> f : results) {
                    try {
                        f.get(60, TimeUnit.SECONDS);
                        created++;
                    } catch (java.util.concurrent.ExecutionException ex) {
                        assertThat(ex.getCause()).isInstanceOf(StoreException.AlreadyExists.class);
                        duplicates++;
                    }
                }
                assertThat(created).as("round %d", round).isEqualTo(1);
                assertThat(duplicates).as("round %d", round).isEqualTo(1);
                assertThat(second.entries().listBySpiffeId(sid("/race/" + round))).hasSize(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void serversOpeningAFreshDatabaseAtOnceMigrateItOnce() throws Exception {
        try (PostgresTestDatabase fresh = PostgresTestDatabase.newDatabase()) {
            int threads = 3;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Datastore> stores = new CopyOnWriteArrayList<>();
            try {
                CyclicBarrier barrier = new CyclicBarrier(threads);
                List<Future<Datastore>> futures = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    futures.add(pool.submit(() -> {
                        barrier.await(30, TimeUnit.SECONDS);
                        return PostgresDatastore.open(fresh.connectionString(), clock);
                    }));
                }
                for (Future<Datastore> f : futures) {
                    stores.add(f.get(60, TimeUnit.SECONDS));
                }
                stores.get(0).entries().create(entry("e", "/web", new Parent.AnyNode()));
                assertThat(stores.get(threads - 1).entries().get("e")).isPresent();
            } finally {
                pool.shutdownNow();
                stores.forEach(Datastore::close);
            }
            assertThat(appliedVersions(fresh)).containsExactly("1", "2", "3", "4", "5", "6");
        }
    }

    // ---- connection strings -------------------------------------------------------------------------------

    @Test
    void everyConnectionStringFormOpensTheSameDatabase() {
        store.entries().create(entry("e", "/web", new Parent.AnyNode()));
        String keyValue = "host=" + db.host() + " port=" + db.port() + " dbname=" + db.name() + " user=" + db.user()
                + " password='" + db.password().replace("'", "\\'") + "' sslmode=disable connect_timeout=5";
        String jdbc = db.jdbcUrl() + "?user=" + db.user() + "&password=" + db.password() + "&sslmode=disable";
        for (String form : List.of(keyValue, jdbc, db.connectionString().replace("postgresql://", "postgres://"))) {
            try (Datastore d = PostgresDatastore.open(form, clock)) {
                assertThat(d.entries().get("e")).as(form).isPresent();
                assertThat(d.toString()).isEqualTo("PostgreSQL datastore " + db.host() + ":" + db.port() + "/" + db.name());
            }
        }
    }

    // ---- failures ---------------------------------------------------------------------------------------

    @Test
    void anUnreachableServerIsRefusedAtOpenNamingHostAndPortOnOneLine() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        int closedPort = port;
        assertThatThrownBy(() -> PostgresDatastore.open("postgresql://x:secret-pw@127.0.0.1:" + closedPort + "/none", clock))
                .isInstanceOf(StoreException.Unavailable.class)
                .hasMessageContaining("PostgreSQL datastore 127.0.0.1:" + closedPort + "/none")
                .hasMessageContaining("cannot connect to 127.0.0.1:" + closedPort)
                .hasMessageNotContaining("secret-pw")
                .hasMessageNotContaining("\n");
    }

    @Test
    void aWrongPasswordOrAMissingDatabaseIsRefusedSayingSo() {
        String base = "postgresql://" + db.user() + ":%s@" + db.host() + ":" + db.port() + "/%s?sslmode=disable";
        assertThatThrownBy(() -> PostgresDatastore.open(String.format(base, "wrong-pw", db.name()), clock))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("login refused")
                .hasMessageContaining("password authentication failed")
                .hasMessageNotContaining("wrong-pw");
        assertThatThrownBy(() -> PostgresDatastore.open(String.format(base, db.password(), "no_such_db"), clock))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("no_such_db")
                .hasMessageContaining("does not exist");
    }

    @Test
    void malformedConnectionStringsAreRefusedNamingTheProblemNotThePassword() {
        assertThatThrownBy(() -> PostgresDatastore.open("host=h port=5432 sslmod=require password=pw", clock))
                .isInstanceOf(StoreException.class).hasMessageContaining("\"sslmod\"").hasMessageNotContaining("pw ");
        assertThatThrownBy(() -> PostgresDatastore.open("postgresql://u:pw@h:99999/db", clock))
                .isInstanceOf(StoreException.class).hasMessageContaining("99999").hasMessageNotContaining(":pw");
        assertThatThrownBy(() -> PostgresDatastore.open("host=/var/run/postgresql dbname=x", clock))
                .isInstanceOf(StoreException.class).hasMessageContaining("Unix-socket");
        assertThatThrownBy(() -> PostgresDatastore.open("mysql://u@h/db", clock))
                .isInstanceOf(StoreException.class).hasMessageContaining("not a PostgreSQL connection string");
        assertThatThrownBy(() -> PostgresDatastore.open("postgresql://u:pw@h/db?sslmode=sometimes", clock))
                .isInstanceOf(StoreException.class).hasMessageContaining("sslmode");
    }

    @Test
    void aDatabaseHoldingOtherTablesIsRefusedAndLeftUntouched() throws Exception {
        try (PostgresTestDatabase other = PostgresTestDatabase.newDatabase()) {
            try (Connection c = other.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)");
                s.execute("INSERT INTO invoices VALUES (1)");
            }
            assertThatThrownBy(() -> PostgresDatastore.open(other.connectionString(), clock))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining(other.name())
                    .hasMessageContaining("not a Signet datastore");
            try (Connection c = other.connect(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void aSchemaNewerThanThisCodeIsRefused() throws Exception {
        try (PostgresTestDatabase other = PostgresTestDatabase.newDatabase()) {
            PostgresDatastore.open(other.connectionString(), clock).close();
            try (Connection c = other.connect(); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,"
                        + " installed_by, execution_time, success) VALUES (99, '42', 'from the future', 'SQL', 'V42__future.sql',"
                        + " 0, 'test', 0, true)");
            }
            assertThatThrownBy(() -> PostgresDatastore.open(other.connectionString(), clock))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining(other.name())
                    .hasMessageContaining("42")
                    .hasMessageContaining("newer");
        }
    }

    @Test
    void aDamagedSchemaFailsCallsWithAStoreExceptionAndAFailedWriteLeavesNothingHalfDone() throws Exception {
        try (PostgresTestDatabase other = PostgresTestDatabase.newDatabase()) {
            try (Datastore d = PostgresDatastore.open(other.connectionString(), clock)) {
                d.entries().create(entry("first", "/first", new Parent.AnyNode(), "unix:uid:0"));
                long counter = d.entries().changeCounter();
                try (Connection c = other.connect(); Statement s = c.createStatement()) {
                    s.execute("DROP TABLE entry_dns_names");
                }
                assertThatThrownBy(() -> d.entries().list())
                        .isExactlyInstanceOf(StoreException.class)
                        .hasMessageContaining(other.name())
                        .hasMessageContaining("entry_dns_names")
                        .hasMessageContaining("damaged")
                        .hasCauseInstanceOf(SQLException.class);
                assertThatThrownBy(() -> d.entries().create(new Entry("e", sid("/web"), new Parent.AnyNode(),
                        selectors("unix:uid:1"), null, List.of("a.example"), "", 0, null)))
                        .isExactlyInstanceOf(StoreException.class);
                try (Connection c = other.connect(); Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM entries), (SELECT count(*) FROM entry_selectors)")) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(1);
                    assertThat(rs.getInt(2)).isEqualTo(1);
                }
                assertThat(d.entries().changeCounter()).isEqualTo(counter);
            }
        }
    }

    /**
     * The database goes away under a running server (a TCP proxy in between is cut): calls fail fast with
     * {@link StoreException.Unavailable} naming the datastore; when it returns, calls work again, and the change
     * feed, which reconnects by itself, calls its watcher for what was committed while it was cut off.
     */
    @Test
    void whenTheDatabaseIsUnreachableCallsFailAsUnavailableAndEverythingRecovers() throws Exception {
        try (TcpProxy proxy = new TcpProxy(db.host(), db.port())) {
            String viaProxy = "postgresql://" + db.user() + ":" + db.password() + "@127.0.0.1:" + proxy.port() + "/" + db.name()
                    + "?sslmode=disable";
            try (Datastore d = PostgresDatastore.open(viaProxy, clock)) {
                AtomicInteger calls = new AtomicInteger();
                long[] seen = {Long.MIN_VALUE};
                AutoCloseable handle = d.watch(() -> {
                    calls.incrementAndGet();
                    try {
                        long v = d.entries().changeCounter();
                        synchronized (seen) {
                            seen[0] = Math.max(seen[0], v);
                        }
                    } catch (StoreException e) {
                        // unreachable right now: the next call reads again
                    }
                });
                d.entries().create(entry("before", "/before", new Parent.AnyNode()));
                Poll.until(WATCH_DEADLINE, "the watcher sees the first entry", () -> {
                    synchronized (seen) {
                        return seen[0] >= store.entries().changeCounter();
                    }
                });

                proxy.cut();
                assertThatThrownBy(() -> d.entries().create(entry("lost", "/lost", new Parent.AnyNode())))
                        .isInstanceOf(StoreException.Unavailable.class)
                        .hasMessageContaining("PostgreSQL datastore 127.0.0.1:" + proxy.port() + "/" + db.name())
                        .hasMessageContaining("unavailable");
                assertThatThrownBy(() -> d.entries().list()).isInstanceOf(StoreException.Unavailable.class);
                // Another server, still connected, writes meanwhile; the cut-off one must hear of it on reconnecting.
                store.agents().create(agent("/agent/while-cut"));
                long target = store.entries().changeCounter();

                proxy.restore();
                Poll.until(Duration.ofSeconds(30), "calls work again", () -> {
                    try {
                        return d.agents().get(sid("/agent/while-cut")).isPresent();
                    } catch (StoreException.Unavailable e) {
                        return false;
                    }
                });
                Poll.until(Duration.ofSeconds(30), "the watcher hears of the change made while it was cut off", () -> {
                    synchronized (seen) {
                        return seen[0] >= target;
                    }
                });
                assertThat(store.entries().get("lost")).as("a write that failed was not committed").isEmpty();
                handle.close();
            }
        }
    }

    @Test
    void acknowledgedWritesAreDurableBecauseSynchronousCommitIsOn() throws Exception {
        // The server default here is on; an acknowledged write is then flushed before COMMIT returns.
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW synchronous_commit")) {
            rs.next();
            assertThat(rs.getString(1)).isNotEqualTo("off");
        }
        // A database whose default is off still gets durable commits: the store's sessions override it.
        try (PostgresTestDatabase other = PostgresTestDatabase.newDatabase()) {
            try (Connection c = other.connect(); Statement s = c.createStatement()) {
                s.execute("ALTER DATABASE " + other.name() + " SET synchronous_commit = off");
            }
            try (Datastore d = PostgresDatastore.open(other.connectionString(), clock)) {
                d.entries().create(entry("e", "/web", new Parent.AnyNode()));
                try (Connection c = other.connect(); Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                + " AND application_name = 'signet-server' AND pid <> pg_backend_pid()")) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("pooled sessions").isPositive();
                }
                assertThat(sessionSetting(d, other)).isEqualTo("on");
            }
        }
    }

    /**
     * Reads {@code synchronous_commit} as the store's own sessions see it, via a trigger that records
     * current_setting() when the store writes a row.
     */
    private static String sessionSetting(Datastore d, PostgresTestDatabase on) throws SQLException {
        try (Connection c = on.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE seen_setting (value TEXT)");
            s.execute("CREATE FUNCTION record_setting() RETURNS trigger LANGUAGE plpgsql AS"
                    + " $$ BEGIN INSERT INTO seen_setting VALUES (current_setting('synchronous_commit')); RETURN NEW; END $$");
            s.execute("CREATE TRIGGER record_setting AFTER INSERT ON agents FOR EACH ROW EXECUTE FUNCTION record_setting()");
        }
        d.agents().create(agent("/agent/durable"));
        try (Connection c = on.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT value FROM seen_setting")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    /** A TCP forwarder that can be cut (every connection closed, new ones refused) and restored on the same port. */
    static final class TcpProxy implements AutoCloseable {
        private final String host;
        private final int targetPort;
        private final int port;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private volatile ServerSocket listener;

        TcpProxy(String host, int targetPort) throws IOException {
            this.host = host;
            this.targetPort = targetPort;
            ServerSocket s = bind(0);
            this.port = s.getLocalPort();
            serve(s);
        }

        int port() {
            return port;
        }

        private static ServerSocket bind(int port) throws IOException {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
            return s;
        }

        private void serve(ServerSocket s) {
            listener = s;
            Thread t = new Thread(() -> {
                while (!s.isClosed()) {
                    try {
                        Socket client = s.accept();
                        Socket upstream = new Socket(host, targetPort);
                        sockets.add(client);
                        sockets.add(upstream);
                        pipe(client, upstream);
                        pipe(upstream, client);
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "test-proxy-accept");
            t.setDaemon(true);
            t.start();
        }

        private static void pipe(Socket from, Socket to) {
            Thread t = new Thread(() -> {
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    in.transferTo(out);
                } catch (IOException ignored) {
                    // cut
                } finally {
                    closeQuietly(from);
                    closeQuietly(to);
                }
            }, "test-proxy-pipe");
            t.setDaemon(true);
            t.start();
        }

        /** Closes the listener and every forwarded connection: the database is unreachable through the proxy. */
        void cut() {
            closeQuietly(listener);
            for (Socket s : sockets) {
                closeQuietly(s);
            }
            sockets.clear();
        }

        /** Listens on the same port again. */
        void restore() throws IOException {
            serve(bind(port));
        }

        @Override
        public void close() {
            cut();
        }

        private static void closeQuietly(AutoCloseable c) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // closing
            }
        }
    }
}
