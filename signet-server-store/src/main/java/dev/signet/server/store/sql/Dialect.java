package dev.signet.server.store.sql;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * What differs between the SQL databases a {@link SqlDatastore} runs on. The store classes use only
 * portable SQL (no upserts, no {@code RETURNING}, no engine-specific types outside the migrations), so
 * this stays small: where the migrations live, how a transaction starts, and how to read error codes.
 */
enum Dialect {
    SQLITE("sqlite") {
        /**
         * A write transaction takes SQLite's write lock up front ({@code BEGIN IMMEDIATE}), waiting up to
         * the busy timeout for another process to finish. A deferred transaction that reads and then writes
         * could instead fail with {@code SQLITE_BUSY_SNAPSHOT} when another process wrote in between, which
         * the busy timeout does not cover. The connection stays in JDBC auto-commit mode and the transaction
         * is driven by SQL, because sqlite-jdbc's non-auto-commit mode re-opens a transaction right after
         * every commit, which with {@code IMMEDIATE} would hold the write lock between our calls.
         */
        @Override
        void begin(Connection c, boolean write) throws SQLException {
            exec(c, write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
        }

        @Override
        void commit(Connection c) throws SQLException {
            exec(c, "COMMIT");
        }

        @Override
        void rollback(Connection c) throws SQLException {
            try {
                exec(c, "ROLLBACK");
            } catch (SQLException e) {
                // "cannot rollback - no transaction is active": SQLite already rolled back (e.g. after a
                // failed COMMIT or an I/O error), which is the state we want.
                if (!String.valueOf(e.getMessage()).contains("no transaction is active")) {
                    throw e;
                }
            }
        }

        @Override
        boolean isUniqueViolation(SQLException e) {
            if (e instanceof SQLiteException s) {
                SQLiteErrorCode code = s.getResultCode();
                if (code == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY || code == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE) {
                    return true;
                }
            }
            String m = String.valueOf(e.getMessage());
            return m.contains("UNIQUE constraint failed");
        }

        @Override
        boolean isNotADatabase(SQLException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SQLiteException s) {
                    SQLiteErrorCode code = s.getResultCode();
                    if (code == SQLiteErrorCode.SQLITE_NOTADB || code == SQLiteErrorCode.SQLITE_CORRUPT) {
                        return true;
                    }
                }
                String m = String.valueOf(t.getMessage());
                if (m.contains("SQLITE_NOTADB") || m.contains("SQLITE_CORRUPT") || m.contains("file is not a database")) {
                    return true;
                }
            }
            return false;
        }
    },

    POSTGRES("postgres") {
        /**
         * Every write transaction first takes one transaction-scoped advisory lock, {@link #WRITE_LOCK}, so writes are
         * serial across every server sharing the database, exactly as SQLite's {@code BEGIN IMMEDIATE}; the isolation
         * is READ COMMITTED (set explicitly, whatever the database's default), so each statement after the lock sees
         * every earlier writer's commit and the read-then-write steps behave as on SQLite. Waiting for the lock is
         * bounded by {@code lock_timeout}. Reads run at REPEATABLE READ READ ONLY: one snapshot, no lock. Why not
         * SERIALIZABLE with retries: every write that matters bumps the one {@code change_counter} row, so such
         * writes conflict anyway; SERIALIZABLE would turn the queue into abort-and-retry rounds, and re-running a
         * unit of work is riskier than waiting.
         */
        @Override
        void begin(Connection c, boolean write) throws SQLException {
            exec(c, write
                    ? "SET TRANSACTION ISOLATION LEVEL READ COMMITTED; SET LOCAL lock_timeout = '" + WRITE_LOCK_TIMEOUT_SECONDS
                            + "s'; SELECT pg_advisory_xact_lock(" + WRITE_LOCK + ")"
                    : "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
        }

        @Override
        void commit(Connection c) throws SQLException {
            c.commit();
        }

        @Override
        void rollback(Connection c) throws SQLException {
            if (!c.isClosed()) {
                c.rollback();
            }
        }

        @Override
        boolean isUniqueViolation(SQLException e) {
            return "23505".equals(e.getSQLState());
        }

        /** The schema is damaged or not Signet's (a table or column missing), or PostgreSQL reports corrupt data. */
        @Override
        boolean isNotADatabase(SQLException e) {
            String state = String.valueOf(e.getSQLState());
            return state.equals("42P01") || state.equals("42703") || state.equals("XX001") || state.equals("XX002");
        }
    };

    /** The advisory lock key every PostgreSQL write transaction holds: "SIGNETWR" in ASCII. */
    static final long WRITE_LOCK = 0x5349474E45545752L;

    /** How long a PostgreSQL write waits for another server's write transaction before failing. */
    static final int WRITE_LOCK_TIMEOUT_SECONDS = 10;

    private final String name;

    Dialect(String name) {
        this.name = name;
    }

    /** Flyway location of this dialect's migrations: {@code db/migration/<dialect>} on the classpath. */
    String migrationLocation() {
        return "classpath:db/migration/" + name;
    }

    /** Starts a transaction; {@code write} says whether it will change anything. */
    abstract void begin(Connection c, boolean write) throws SQLException;

    abstract void commit(Connection c) throws SQLException;

    /** Rolls back the open transaction; must not fail when the database has already rolled back. */
    abstract void rollback(Connection c) throws SQLException;

    /** True if {@code e} reports a primary-key or unique-constraint violation. */
    abstract boolean isUniqueViolation(SQLException e);

    /** True if {@code e} says the file is not a database of this kind, or is corrupted. */
    abstract boolean isNotADatabase(SQLException e);

    /**
     * True if {@code e} means the database cannot be reached or is not answering right now (connection refused,
     * broken or timed out; server shutting down; too many connections; lock wait timed out), as opposed to a
     * statement the database rejected. Only a client/server database reports such errors.
     */
    static boolean isUnavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLTransientConnectionException || t instanceof java.sql.SQLNonTransientConnectionException
                    || t instanceof java.net.SocketException || t instanceof java.net.SocketTimeoutException
                    || t instanceof java.io.EOFException) {
                return true;
            }
            if (t instanceof SQLException s && s.getSQLState() != null) {
                String state = s.getSQLState();
                if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")
                        || state.equals("53300") || state.equals("55P03") || state.equals("57014")) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return name;
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
