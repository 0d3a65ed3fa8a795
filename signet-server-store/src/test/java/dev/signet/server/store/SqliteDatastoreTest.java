package dev.signet.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.core.registration.Parent;
import dev.signet.server.store.sql.SqliteDatastore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract on SQLite, plus what is particular to a database file. */
class SqliteDatastoreTest extends DatastoreContract {
    @TempDir
    Path dir;

    @Override
    protected Datastore newDatastore(Clock clock) {
        return SqliteDatastore.open(dir, clock);
    }

    private Path file() {
        return dir.resolve(SqliteDatastore.FILE_NAME);
    }

    private Connection jdbc() throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + file());
    }

    private List<String> appliedVersions() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = jdbc(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT version, success FROM flyway_schema_history"
                        + " WHERE version IS NOT NULL ORDER BY installed_rank")) {
            while (rs.next()) {
                out.add(rs.getString(1) + (rs.getBoolean(2) ? "" : " (failed)"));
            }
        }
        return out;
    }

    @Test
    void theDatabaseIsAWalModeSqliteFileReadableByItsOwnerOnly() throws Exception {
        byte[] header = Arrays.copyOf(Files.readAllBytes(file()), 20);
        assertThat(new String(header, 0, 16, StandardCharsets.US_ASCII)).isEqualTo("SQLite format 3\0");
        // File format read/write versions 2 mean WAL (sqlite.org/fileformat.html §1.3.3).
        assertThat(header[18]).isEqualTo((byte) 2);
        assertThat(header[19]).isEqualTo((byte) 2);
        if (Files.getFileStore(file()).supportsFileAttributeView("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file()))).isEqualTo("rw-------");
        }
    }

    @Test
    void aMissingDataDirectoryIsCreated() {
        Path nested = dir.resolve("a/b");
        try (Datastore d = SqliteDatastore.open(nested, clock)) {
            d.entries().create(entry("e", "/web", new Parent.AnyNode()));
        }
        assertThat(nested.resolve(SqliteDatastore.FILE_NAME)).isRegularFile();
    }

    @Test
    void reopeningAppliesNoMigrationTwice() throws Exception {
        assertThat(appliedVersions()).containsExactly("1", "2", "3", "4", "5", "6");
        store.entries().create(entry("e", "/web", new Parent.AnyNode()));
        store.close();
        for (int i = 0; i < 3; i++) {
            open().close();
        }
        assertThat(appliedVersions()).containsExactly("1", "2", "3", "4", "5", "6");
        assertThat(open().entries().get("e")).isPresent();
    }

    @Test
    void aVersion1DatabaseIsMigratedKeepingItsEntriesAndBundle() throws Exception {
        store.close();
        Path old = dir.resolve("v1");
        Files.createDirectories(old);
        String url = "jdbc:sqlite:" + old.resolve(SqliteDatastore.FILE_NAME);
        org.flywaydb.core.Flyway.configure(getClass().getClassLoader()).dataSource(url, null, null)
                .locations("classpath:db/migration/sqlite").target("1").load().migrate();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO entries (id, spiffe_id, parent_kind, parent_id, x509_ttl_seconds, hint, revision, created_at,"
                    + " dedup_key) VALUES ('old', 'spiffe://example.org/old', 'any_node', NULL, 60, '', 3, 0, 'k')");
            s.executeUpdate("INSERT INTO bundles (trust_domain, sequence) VALUES ('example.org', 7)");
            s.executeUpdate("INSERT INTO bundle_x509_authorities (trust_domain, position, der) VALUES ('example.org', 0, x'3001')");
        }

        try (Datastore upgraded = SqliteDatastore.open(old, clock)) {
            dev.signet.core.registration.Entry e = upgraded.entries().get("old").orElseThrow();
            assertThat(e.x509Ttl()).isEqualTo(Duration.ofSeconds(60));
            assertThat(e.jwtTtl()).isNull();
            assertThat(e.revision()).isEqualTo(3);
            StoredBundle b = upgraded.bundles().get(TD).orElseThrow();
            assertThat(b.sequence()).isEqualTo(7);
            assertThat(b.jwtAuthorities()).isEmpty();
            assertThat(upgraded.bundles().addJwtAuthority(TD, new StoredJwtAuthority("k", new byte[] {1}, START, "ES256")).sequence())
                    .isEqualTo(8);
        }
    }

    @Test
    void concurrentFirstOpensMigrateOnce() throws Exception {
        Path fresh = dir.resolve("fresh");
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Datastore> stores = new ArrayList<>();
        try {
            CyclicBarrier barrier = new CyclicBarrier(threads);
            List<Future<Datastore>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    barrier.await(30, TimeUnit.SECONDS);
                    return SqliteDatastore.open(fresh, clock);
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
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + fresh.resolve(SqliteDatastore.FILE_NAME));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM flyway_schema_history WHERE version = '1'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }

    @Test
    void aSchemaNewerThanThisCodeIsRefusedNamingTheFile() throws Exception {
        store.close();
        try (Connection c = jdbc(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,"
                    + " installed_by, execution_time, success) VALUES (99, '42', 'from the future', 'SQL', 'V42__future.sql',"
                    + " 0, 'test', 0, 1)");
        }

        assertThatThrownBy(() -> SqliteDatastore.open(dir, clock))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(file().toAbsolutePath().toString())
                .hasMessageContaining("42")
                .hasMessageContaining("newer");
    }

    @Test
    void aFileThatIsNotSqliteIsRefusedNamingItAndLeftUntouched() throws Exception {
        store.close();
        Path other = dir.resolve("other");
        Files.createDirectories(other);
        byte[] text = "this is a configuration file, not a database\n".repeat(200).getBytes(StandardCharsets.UTF_8);
        Files.write(other.resolve(SqliteDatastore.FILE_NAME), text);

        assertThatThrownBy(() -> SqliteDatastore.open(other, clock))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(other.resolve(SqliteDatastore.FILE_NAME).toAbsolutePath().toString())
                .hasMessageContaining("not a SQLite database");
        assertThat(Files.readAllBytes(other.resolve(SqliteDatastore.FILE_NAME))).isEqualTo(text);
    }

    @Test
    void aDatabaseWithADamagedHeaderIsRefused() throws Exception {
        store.entries().create(entry("e", "/web", new Parent.AnyNode()));
        store.close();
        byte[] bytes = Files.readAllBytes(file());
        Arrays.fill(bytes, 0, 16, (byte) 'x');
        Files.write(file(), bytes);
        Files.deleteIfExists(dir.resolve(SqliteDatastore.FILE_NAME + "-wal"));
        Files.deleteIfExists(dir.resolve(SqliteDatastore.FILE_NAME + "-shm"));

        assertThatThrownBy(() -> SqliteDatastore.open(dir, clock))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(file().toAbsolutePath().toString())
                .hasMessageContaining("not a SQLite database");
    }

    @Test
    void sqlFailuresReachCallersAsStoreExceptionsNamingTheFile() throws Exception {
        store.entries().create(entry("first", "/first", new Parent.AnyNode(), "unix:uid:0"));
        long counter = store.entries().changeCounter();
        try (Connection c = jdbc(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE entry_dns_names");
        }

        assertThatThrownBy(() -> store.entries().list())
                .isExactlyInstanceOf(StoreException.class)
                .hasMessageContaining(file().toAbsolutePath().toString())
                .hasMessageContaining("entry_dns_names")
                .hasCauseInstanceOf(SQLException.class);
        // A failed write leaves nothing half-done: the entry row was rolled back with the DNS names.
        assertThatThrownBy(() -> store.entries().create(new dev.signet.core.registration.Entry("e", sid("/web"),
                new Parent.AnyNode(), selectors("unix:uid:1"), null, List.of("a.example"), "", 0, null)))
                .isExactlyInstanceOf(StoreException.class);
        try (Connection c = jdbc(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM entries), (SELECT count(*) FROM entry_selectors)")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
            assertThat(rs.getInt(2)).isEqualTo(1);
        }
        assertThat(store.entries().changeCounter()).isEqualTo(counter);
    }

    @Test
    void aWriterWaitsForTheBusyTimeoutThenFailsWithAStoreException() throws Exception {
        try (Connection other = jdbc(); Statement s = other.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            long started = System.nanoTime();
            assertThatThrownBy(() -> store.agents().create(agent("/agent/1")))
                    .isExactlyInstanceOf(StoreException.class)
                    .hasMessageContaining(file().toAbsolutePath().toString());
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(4_500));
            // Reads go on while another process holds the write lock.
            assertThat(store.agents().list()).isEmpty();
            s.execute("ROLLBACK");
        }
        store.agents().create(agent("/agent/1"));
        assertThat(store.agents().list()).hasSize(1);
    }

    @Test
    void instantsAreKeptToTheMicrosecond() {
        Instant precise = Instant.parse("2026-03-01T10:00:00.123456789Z");
        store.joinTokens().create(new JoinToken("t", precise, null));
        assertThat(store.joinTokens().consume("t").orElseThrow().expiresAt())
                .isEqualTo(Instant.parse("2026-03-01T10:00:00.123456Z"));
    }
}
