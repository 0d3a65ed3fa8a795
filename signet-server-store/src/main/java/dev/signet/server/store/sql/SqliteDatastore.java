package dev.signet.server.store.sql;

import dev.signet.server.store.Datastore;
import dev.signet.server.store.StoreException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/** Opens the embedded SQLite datastore, the default backend. */
public final class SqliteDatastore {
    /** The database file's name inside the data directory. */
    public static final String FILE_NAME = "datastore.sqlite3";

    /** How long a call waits for another process holding SQLite's write lock before failing. */
    public static final int BUSY_TIMEOUT_MILLIS = 5_000;

    /**
     * How often {@link Datastore#watch} reads the change counter to notice other processes' commits (this
     * process's own commits are signalled at once). One indexed one-row read on an idle reader connection.
     */
    static final java.time.Duration POLL_INTERVAL = java.time.Duration.ofMillis(250);

    private static final Logger log = LoggerFactory.getLogger(SqliteDatastore.class);

    /** Serialises opening within this JVM; the lock file does so between processes. */
    private static final ReentrantLock OPEN_LOCK = new ReentrantLock();

    private SqliteDatastore() {}

    /**
     * Opens (creating if needed) {@code <dataDir>/datastore.sqlite3} and migrates its schema to the
     * newest version. The data directory is created if missing; a new database file is readable by its
     * owner only (it holds join tokens). Several processes may share the file: SQLite's locks serialise
     * their writes, and {@link dev.signet.server.store.EntryStore#changeCounter()} shows each the others'
     * changes.
     *
     * @param clock the time source for entry creation times
     * @throws StoreException if the file cannot be created, is not a SQLite database (or is corrupted),
     *     has a schema newer than this code knows, or cannot be migrated; the message names the file
     */
    public static Datastore open(Path dataDir, Clock clock) {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(clock, "clock");
        Path file = dataDir.resolve(FILE_NAME).toAbsolutePath();
        String description = "SQLite datastore " + file;
        SQLiteDataSource dataSource = dataSource(file);
        Connection writer = null;
        Connection reader = null;
        OPEN_LOCK.lock();
        try {
            Files.createDirectories(dataDir);
            createOwnerOnly(file);
            try (FileChannel lockFile = FileChannel.open(createOwnerOnly(dataDir.resolve(FILE_NAME + ".lock")),
                    StandardOpenOption.WRITE);
                    FileLock ignored = lockFile.lock()) {
                writer = connect(dataSource);
                Migrations.migrate(dataSource, Dialect.SQLITE, description);
            }
            reader = connect(dataSource);
            try (Statement s = reader.createStatement()) {
                s.execute("PRAGMA query_only = ON");
            }
            warnIfNotWal(writer, description);
            ChangeFeed[] feed = new ChangeFeed[1];
            SqliteTransactions tx = new SqliteTransactions(description, writer, reader, topic -> feed[0].signal(topic));
            feed[0] = new ChangeFeed(description, signal -> CounterPoller.start(description, tx, POLL_INTERVAL, signal));
            return new SqlDatastore(description, Dialect.SQLITE, tx, feed[0], clock);
        } catch (IOException e) {
            closeQuietly(writer, reader);
            throw new StoreException(description + ": cannot create the database file: " + e, e);
        } catch (SQLException e) {
            closeQuietly(writer, reader);
            if (Dialect.SQLITE.isNotADatabase(e)) {
                throw new StoreException(description + ": the file is not a SQLite database, or it is corrupted ("
                        + e.getMessage() + ")", e);
            }
            throw new StoreException(description + ": cannot open: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(writer, reader);
            throw e;
        } finally {
            OPEN_LOCK.unlock();
        }
    }

    private static SQLiteDataSource dataSource(Path file) {
        SQLiteConfig config = new SQLiteConfig();
        // WAL: readers do not block the writer. synchronous=FULL: a commit is on disk when it returns
        // (NORMAL would lose the last commits on power failure in WAL mode).
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.enforceForeignKeys(true);
        config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        SQLiteDataSource ds = new SQLiteDataSource(config);
        ds.setUrl("jdbc:sqlite:" + file);
        return ds;
    }

    /**
     * Opens a connection and reads the schema table, which fails on a file that is not a SQLite
     * database. The connection stays in auto-commit mode; {@link Dialect#begin} drives transactions.
     */
    private static Connection connect(SQLiteDataSource dataSource) throws SQLException {
        Connection c = dataSource.getConnection();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
            rs.next();
            return c;
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Creates an empty file readable and writable by its owner only, unless it exists; returns it. */
    private static Path createOwnerOnly(Path file) throws IOException {
        try {
            if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(file);
            }
        } catch (FileAlreadyExistsException e) {
            // Keep the existing file and its permissions.
        }
        return file;
    }

    private static void warnIfNotWal(Connection c, String description) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
            String mode = rs.next() ? rs.getString(1) : "unknown";
            if (!"wal".equalsIgnoreCase(mode)) {
                log.warn("{}: journal mode is {}, not WAL (the file system may not support WAL); writes stay durable"
                        + " but readers will block writers", description, mode);
            }
        }
    }

    private static void closeQuietly(Connection... connections) {
        for (Connection c : connections) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // Already failing; the first error is the one to report.
                }
            }
        }
    }
}
