package dev.signet.server.store.sql;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.signet.server.store.Datastore;
import dev.signet.server.store.StoreException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the PostgreSQL datastore, for several servers sharing one database. See {@link PostgresConnectionString} for
 * the accepted connection strings, {@link Dialect#POSTGRES} for the transaction rules, {@link PostgresTransactions}
 * for the pool and durability, {@link PostgresListener} for the change feed.
 */
public final class PostgresDatastore {
    /** Connections per server: Signet's transactions are short, and writes are serial across servers anyway. */
    public static final int POOL_SIZE = 10;

    /** How long a call waits for a pooled connection (or to connect, when none is given) before failing. */
    public static final int CONNECTION_TIMEOUT_SECONDS = 5;

    /** A query whose answer does not arrive within this time fails (the connection is presumed dead). */
    static final int SOCKET_TIMEOUT_SECONDS = 60;

    private static final Logger log = LoggerFactory.getLogger(PostgresDatastore.class);
    private static final AtomicInteger POOLS = new AtomicInteger();

    private PostgresDatastore() {}

    /**
     * Connects, checks the server, migrates the schema (in db/migration/postgres, the same versions as SQLite's) and
     * starts a pool of {@link #POOL_SIZE} connections. Several servers may open the same database at once: Flyway
     * serialises their migrations with an advisory lock.
     *
     * @param connectionString a {@code postgresql://} URI, libpq {@code key=value} pairs or a {@code jdbc:postgresql:} URL
     * @param clock the time source for creation times
     * @throws StoreException.Unavailable if the server cannot be reached (the message names host and port)
     * @throws StoreException if the connection string is malformed, the login or database is refused, the server is a
     *     read-only standby, the database holds tables that are not Signet's, or its schema is newer than this code
     */
    public static Datastore open(String connectionString, Clock clock) {
        Objects.requireNonNull(clock, "clock");
        PostgresConnectionString target;
        try {
            target = PostgresConnectionString.parse(connectionString);
        } catch (IllegalArgumentException e) {
            throw new StoreException("PostgreSQL datastore: " + e.getMessage(), e);
        }
        String description = "PostgreSQL datastore " + target;
        boolean forceSynchronousCommit = checkServer(description, target);

        HikariConfig hc = new HikariConfig();
        hc.setPoolName("signet-postgres-" + POOLS.incrementAndGet());
        hc.setDriverClassName(org.postgresql.Driver.class.getName());
        hc.setJdbcUrl(target.jdbcUrl());
        hc.setDataSourceProperties(driverProperties(target, false));
        hc.setAutoCommit(false);
        hc.setMaximumPoolSize(POOL_SIZE);
        hc.setMinimumIdle(1);
        hc.setConnectionTimeout(CONNECTION_TIMEOUT_SECONDS * 1000L);
        hc.setValidationTimeout(3000);
        hc.setInitializationFailTimeout(-1); // checkServer has just connected; report later failures per call
        if (forceSynchronousCommit) {
            hc.setConnectionInitSql("SET synchronous_commit TO on");
        }
        HikariDataSource pool = new HikariDataSource(hc);
        ChangeFeed[] feed = new ChangeFeed[1];
        PostgresTransactions tx = new PostgresTransactions(description, pool, topic -> feed[0].signal(topic));
        try {
            Migrations.migrate(pool, Dialect.POSTGRES, description);
            tx.read("reading the change counter", Jdbc::changeCounter);
        } catch (StoreException e) {
            tx.close();
            if (e.getCause() != null && Dialect.isUnavailable(e.getCause()) && !(e instanceof StoreException.Unavailable)) {
                throw new StoreException.Unavailable(e.getMessage(), e.getCause());
            }
            throw e;
        } catch (RuntimeException e) {
            tx.close();
            throw new StoreException(description + ": cannot open: " + oneLine(e), e);
        }
        feed[0] = new ChangeFeed(description, signal -> PostgresListener.start(description, target, signal));
        log.info("{}: open (pool of {} connections)", description, POOL_SIZE);
        return new SqlDatastore(description, Dialect.POSTGRES, tx, feed[0], clock);
    }

    /**
     * One direct connection before the pool exists, so that the failure a user must fix (refused, wrong password, no
     * such database, a standby) is reported as PostgreSQL said it. Returns whether this server's default is
     * {@code synchronous_commit = off}, which Signet's sessions then override: an acknowledged write must be durable.
     */
    private static boolean checkServer(String description, PostgresConnectionString target) {
        try (Connection c = connect(target, false)) {
            if ("on".equals(show(c, "transaction_read_only"))) {
                throw new StoreException(description + ": the server is a read-only standby; connect to the primary"
                        + " (e.g. target_session_attrs=read-write with all hosts listed)");
            }
            boolean force = "off".equals(show(c, "synchronous_commit"));
            if (force) {
                log.warn("{}: the database's default is synchronous_commit = off; Signet's sessions set it to on so that"
                        + " no acknowledged write can be lost", description);
            }
            if ("off".equals(show(c, "fsync"))) {
                log.warn("{}: the PostgreSQL server runs with fsync = off: a crash of PostgreSQL or its machine can lose"
                        + " acknowledged writes and corrupt the database", description);
            }
            c.rollback();
            return force;
        } catch (SQLException e) {
            throw openFailure(description, target, e);
        }
    }

    private static StoreException openFailure(String description, PostgresConnectionString target, SQLException e) {
        String state = String.valueOf(e.getSQLState());
        String message = oneLine(e);
        if (state.equals("28P01") || state.equals("28000")) {
            return new StoreException(description + ": login refused: " + message, e);
        }
        if (state.equals("3D000")) {
            return new StoreException(description + ": " + message + " (create it, e.g. CREATE DATABASE " + target.database()
                    + " OWNER <user>)", e);
        }
        if (Dialect.isUnavailable(e)) {
            return new StoreException.Unavailable(description + ": cannot connect to " + target.address() + ": " + message, e);
        }
        return new StoreException(description + ": cannot open: " + message, e);
    }

    /** A direct connection (not pooled); auto-commit on for the listener, off otherwise. */
    static Connection connect(PostgresConnectionString target, boolean listener) throws SQLException {
        Connection c = new org.postgresql.Driver().connect(target.jdbcUrl(), driverProperties(target, listener));
        if (c == null) {
            throw new SQLException("the PostgreSQL driver does not accept " + target.jdbcUrl());
        }
        c.setAutoCommit(listener);
        return c;
    }

    private static Properties driverProperties(PostgresConnectionString target, boolean listener) {
        Properties p = target.properties();
        p.putIfAbsent("connectTimeout", Integer.toString(CONNECTION_TIMEOUT_SECONDS));
        p.putIfAbsent("socketTimeout", Integer.toString(SOCKET_TIMEOUT_SECONDS));
        p.putIfAbsent("tcpKeepAlive", "true");
        p.putIfAbsent("ApplicationName", listener ? "signet-server (changes)" : "signet-server");
        return p;
    }

    private static String show(Connection c, String setting) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW " + setting)) {
            return rs.next() ? rs.getString(1) : "";
        }
    }

    /**
     * An exception's message on one line, with the first differing cause's message appended (e.g. the JDBC driver's
     * "The connection attempt failed." plus "java.net.UnknownHostException: db.example").
     */
    static String oneLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        Throwable cause = e.getCause();
        while (cause != null && cause != e) {
            String cm = cause.getMessage();
            if (cm != null && !m.contains(cm)) {
                m = m + " (" + (cause instanceof java.net.UnknownHostException ? "unknown host " : "") + cm + ")";
                break;
            }
            e = cause;
            cause = cause.getCause();
        }
        return m.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
