package dev.signet.server.store.sql;

import dev.signet.core.selector.Selector;
import dev.signet.server.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;

/** Small JDBC helpers shared by the store classes. */
final class Jdbc {
    private Jdbc() {}

    /**
     * Instants are stored as microseconds since the epoch in a BIGINT: sortable and comparable in SQL,
     * the same on every dialect, and PostgreSQL's timestamp precision. Finer digits are dropped.
     */
    static Long micros(Instant t) {
        if (t == null) {
            return null;
        }
        try {
            return ChronoUnit.MICROS.between(Instant.EPOCH, t);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("instant " + t + " is outside the range the datastore can hold", e);
        }
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.EPOCH.plus(v, ChronoUnit.MICROS);
    }

    static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    static void setLong(PreparedStatement ps, int index, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, v);
        }
    }

    static void setString(PreparedStatement ps, int index, String v) throws SQLException {
        if (v == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, v);
        }
    }

    /** Executes an update with string parameters; returns the row count. */
    static int update(Connection c, String sql, String... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            return ps.executeUpdate();
        }
    }

    static void bind(PreparedStatement ps, String... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            ps.setString(i + 1, params[i]);
        }
    }

    /** Inserts {@code (owner, type, value)} rows into a selector child table. */
    static void insertSelectors(Connection c, String table, String ownerColumn, String owner, Collection<Selector> selectors)
            throws SQLException {
        if (selectors.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + table + " (" + ownerColumn + ", type, value) VALUES (?, ?, ?)")) {
            for (Selector s : selectors) {
                ps.setString(1, owner);
                ps.setString(2, s.type());
                ps.setString(3, s.value());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Bit in {@link #CHANGED}: the transaction raised {@code change_counter}. */
    private static final int CHANGES = 1;
    /** Bit in {@link #CHANGED}: the transaction raised {@code catalog_counter}. */
    private static final int CATALOG = 2;

    /**
     * Set by {@link #bumpChangeCounter} and {@link #bumpCatalogCounter} on the thread running a write transaction, so
     * that its {@link Transactions} knows after the commit (or before it, to queue a notification) which watchers must
     * hear of it. Transactions run on one thread from begin to commit, and the implementations clear the flags around
     * each one.
     */
    private static final ThreadLocal<Integer> CHANGED = new ThreadLocal<>();

    /**
     * Bumps the shared change counter, in the caller's transaction, so that every server sharing the
     * database sees a new value once the change commits.
     */
    static void bumpChangeCounter(Connection c) throws SQLException {
        bump(c, "change_counter", CHANGES);
    }

    /**
     * Bumps the catalog counter ({@link dev.signet.server.store.CatalogReportStore#changeCounter}), in the caller's
     * transaction; catalog watchers hear of it once the change commits.
     */
    static void bumpCatalogCounter(Connection c) throws SQLException {
        bump(c, "catalog_counter", CATALOG);
    }

    private static void bump(Connection c, String table, int bit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET counter = counter + 1 WHERE id = 1")) {
            if (ps.executeUpdate() != 1) {
                throw new StoreException("the " + table + " row is missing: the database was modified outside Signet");
            }
        }
        Integer now = CHANGED.get();
        CHANGED.set((now == null ? 0 : now) | bit);
    }

    /** Forgets whether the current thread's transaction bumped a counter (call before and after each write). */
    static void clearChanged() {
        CHANGED.remove();
    }

    /** Whether the current thread's transaction bumped the change counter since {@link #clearChanged}. */
    static boolean changed() {
        Integer now = CHANGED.get();
        return now != null && (now & CHANGES) != 0;
    }

    /** Whether the current thread's transaction bumped the catalog counter since {@link #clearChanged}. */
    static boolean catalogChanged() {
        Integer now = CHANGED.get();
        return now != null && (now & CATALOG) != 0;
    }

    static long changeCounter(Connection c) throws SQLException {
        return counter(c, "change_counter");
    }

    static long catalogCounter(Connection c) throws SQLException {
        return counter(c, "catalog_counter");
    }

    private static long counter(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT counter FROM " + table + " WHERE id = 1");
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new StoreException("the " + table + " row is missing: the database was modified outside Signet");
            }
            return rs.getLong(1);
        }
    }
}
