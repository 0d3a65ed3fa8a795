package dev.signet.server.store.sql;

import dev.signet.core.registration.Entry;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.server.store.EntryStore;
import dev.signet.server.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

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

    /** Bit in {@link TxChanges#bits}: the transaction raised {@code change_counter}. */
    private static final int CHANGES = 1;
    /** Bit in {@link TxChanges#bits}: the transaction raised {@code catalog_counter}. */
    private static final int CATALOG = 2;

    /** What the current thread's write transaction changed so far. */
    private static final class TxChanges {
        int bits;
        /** Raises of {@code change_counter}, whatever they were for. */
        int bumps;
        /** Raises not accounted for by an entry or agent change (bundle, service, intention, template). */
        boolean other;
        final List<EntryStore.EntryChange> entries = new ArrayList<>();
        final Set<SpiffeId> agents = new LinkedHashSet<>();
    }

    /**
     * Set by the bump methods on the thread running a write transaction, so that its {@link Transactions} knows after
     * the commit (or before it, to queue a notification and read the counter) which watchers must hear of it and
     * what changed. Transactions run on one thread from begin to commit, and the implementations clear the state
     * around each one.
     */
    private static final ThreadLocal<TxChanges> CHANGED = new ThreadLocal<>();

    private static TxChanges changes() {
        TxChanges t = CHANGED.get();
        if (t == null) {
            t = new TxChanges();
            CHANGED.set(t);
        }
        return t;
    }

    /**
     * Bumps the shared change counter, in the caller's transaction, so that every server sharing the
     * database sees a new value once the change commits. For changes other than entries and agents (those use
     * {@link #bumpForEntry} and {@link #bumpForAgent}, so that the commit can say what changed).
     */
    static void bumpChangeCounter(Connection c) throws SQLException {
        bump(c, "change_counter", CHANGES);
        changes().other = true;
    }

    /** Bumps the change counter for a created or updated entry ({@code entry} as stored) or a deleted one (null). */
    static void bumpForEntry(Connection c, String id, Entry entry) throws SQLException {
        bump(c, "change_counter", CHANGES);
        changes().entries.add(new EntryStore.EntryChange(id, entry));
    }

    /** Bumps the change counter for a created, updated or deleted agent record. */
    static void bumpForAgent(Connection c, String agentId) throws SQLException {
        bump(c, "change_counter", CHANGES);
        changes().agents.add(SpiffeId.parse(agentId));
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
        TxChanges t = changes();
        t.bits |= bit;
        if (bit == CHANGES) {
            t.bumps++;
        }
    }

    /** Forgets whether the current thread's transaction bumped a counter (call before and after each write). */
    static void clearChanged() {
        CHANGED.remove();
    }

    /** Whether the current thread's transaction bumped the change counter since {@link #clearChanged}. */
    static boolean changed() {
        TxChanges t = CHANGED.get();
        return t != null && (t.bits & CHANGES) != 0;
    }

    /** Whether the current thread's transaction bumped the catalog counter since {@link #clearChanged}. */
    static boolean catalogChanged() {
        TxChanges t = CHANGED.get();
        return t != null && (t.bits & CATALOG) != 0;
    }

    /**
     * What the current thread's transaction will have committed, or null if it did not raise the change counter.
     * Call inside the transaction, after the work and before COMMIT: it reads the counter, which no other writer can
     * move until this transaction ends (writes that raise it hold the write lock), so the counter before the
     * transaction is exactly the value read minus this transaction's raises.
     */
    static EntryStore.Commit pendingCommit(Connection c) throws SQLException {
        TxChanges t = CHANGED.get();
        if (t == null || (t.bits & CHANGES) == 0) {
            return null;
        }
        long after = changeCounter(c);
        return new EntryStore.Commit(after - t.bumps, after, List.copyOf(t.entries), Set.copyOf(t.agents), t.other);
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
