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
    };

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
