package dev.signet.server.store.sql;

import dev.signet.core.registration.Entry;
import dev.signet.core.registration.Parent;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.server.store.EntryStore;
import dev.signet.server.store.StoreException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Registration entries in {@code entries} plus ordered child tables. Duplicate registrations are caught
 * by a unique {@code dedup_key}: a hash of (SPIFFE ID, parent, selector set), so the database enforces
 * the rule even between servers racing to create the same entry.
 */
final class SqlEntryStore implements EntryStore {
    private static final String KIND_AGENT = "agent";
    private static final String KIND_NODE_SELECTORS = "node_selectors";
    private static final String KIND_ANY_NODE = "any_node";

    private final Transactions tx;
    private final Dialect dialect;
    private final Clock clock;

    SqlEntryStore(Transactions tx, Dialect dialect, Clock clock) {
        this.tx = tx;
        this.dialect = dialect;
        this.clock = clock;
    }

    @Override
    public Entry create(Entry entry) {
        String id = entry.id() == null ? UUID.randomUUID().toString() : checkId(entry.id());
        Entry stored = entry.withId(id, 1, clock.instant().truncatedTo(ChronoUnit.SECONDS));
        return tx.write("creating entry " + id, c -> insert(c, stored));
    }

    /** Inserts {@code stored} (ID, revision and created-at set) inside the caller's transaction. */
    Entry insert(Connection c, Entry stored) throws SQLException {
        String id = stored.id();
        String key = dedupKey(stored);
        {
            if (exists(c, id)) {
                throw new StoreException.AlreadyExists("an entry with ID " + id + " already exists");
            }
            rejectDuplicate(c, stored, key);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO entries"
                    + " (id, spiffe_id, parent_kind, parent_id, x509_ttl_seconds, hint, revision, created_at, dedup_key, jwt_ttl_seconds)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, id);
                ps.setString(2, stored.spiffeId().toString());
                ps.setString(3, kind(stored.parent()));
                Jdbc.setString(ps, 4, stored.parent() instanceof Parent.AgentId a ? a.id().toString() : null);
                Jdbc.setLong(ps, 5, ttlSeconds(stored.x509Ttl()));
                ps.setString(6, stored.hint());
                ps.setLong(7, stored.revision());
                ps.setLong(8, Jdbc.micros(stored.createdAt()));
                ps.setString(9, key);
                Jdbc.setLong(ps, 10, ttlSeconds(stored.jwtTtl()));
                ps.executeUpdate();
            } catch (SQLException e) {
                if (dialect.isUniqueViolation(e)) {
                    // Another server committed the same ID or registration between our check and insert.
                    throw new StoreException.AlreadyExists("entry " + id + " (" + describe(stored) + ") already exists");
                }
                throw e;
            }
            insertChildren(c, stored);
            Jdbc.bumpForEntry(c, id, stored);
            return stored;
        }
    }

    @Override
    public Optional<Entry> get(String id) {
        if (id == null) {
            return Optional.empty();
        }
        return tx.read("reading entry " + id, c -> load(c, "e.id = ?", id).stream().findFirst());
    }

    @Override
    public Entry update(Entry entry) {
        String id = entry.id();
        if (id == null) {
            throw new StoreException.NotFound("cannot update an entry without an ID");
        }
        return tx.write("updating entry " + id, c -> replace(c, entry));
    }

    /** Replaces the entry with {@code entry.id()} inside the caller's transaction, bumping its revision. */
    Entry replace(Connection c, Entry entry) throws SQLException {
        String id = entry.id();
        String key = dedupKey(entry);
        {
            Instant createdAt;
            long revision;
            try (PreparedStatement ps = c.prepareStatement("SELECT revision, created_at FROM entries WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new StoreException.NotFound("no entry with ID " + id);
                    }
                    revision = rs.getLong("revision") + 1;
                    createdAt = Jdbc.instant(rs, "created_at");
                }
            }
            Entry stored = entry.withId(id, revision, createdAt);
            rejectDuplicate(c, stored, key);
            try (PreparedStatement ps = c.prepareStatement("UPDATE entries SET spiffe_id = ?, parent_kind = ?, parent_id = ?,"
                    + " x509_ttl_seconds = ?, hint = ?, revision = ?, dedup_key = ?, jwt_ttl_seconds = ? WHERE id = ?")) {
                ps.setString(1, stored.spiffeId().toString());
                ps.setString(2, kind(stored.parent()));
                Jdbc.setString(ps, 3, stored.parent() instanceof Parent.AgentId a ? a.id().toString() : null);
                Jdbc.setLong(ps, 4, ttlSeconds(stored.x509Ttl()));
                ps.setString(5, stored.hint());
                ps.setLong(6, revision);
                ps.setString(7, key);
                Jdbc.setLong(ps, 8, ttlSeconds(stored.jwtTtl()));
                ps.setString(9, id);
                ps.executeUpdate();
            } catch (SQLException e) {
                if (dialect.isUniqueViolation(e)) {
                    throw new StoreException.AlreadyExists("entry " + id + " would duplicate another entry: " + describe(stored));
                }
                throw e;
            }
            deleteChildren(c, id);
            insertChildren(c, stored);
            Jdbc.bumpForEntry(c, id, stored);
            return stored;
        }
    }

    @Override
    public boolean delete(String id) {
        if (id == null) {
            return false;
        }
        return tx.write("deleting entry " + id, c -> remove(c, id));
    }

    /** Deletes an entry inside the caller's transaction; false if there was none. */
    static boolean remove(Connection c, String id) throws SQLException {
        // Children go by ON DELETE CASCADE; deleting them here too keeps this independent of the
        // foreign_keys setting of whoever opened the database.
        deleteChildren(c, id);
        boolean deleted = Jdbc.update(c, "DELETE FROM entries WHERE id = ?", id) == 1;
        if (deleted) {
            Jdbc.bumpForEntry(c, id, null);
        }
        return deleted;
    }

    /** The entry with this ID, read inside the caller's transaction. */
    static Optional<Entry> find(Connection c, String id) throws SQLException {
        return load(c, "e.id = ?", id).stream().findFirst();
    }

    @Override
    public List<Entry> list() {
        return tx.read("listing entries", c -> load(c, "1 = 1"));
    }

    @Override
    public List<Entry> listBySpiffeId(SpiffeId id) {
        return tx.read("listing entries for " + id, c -> load(c, "e.spiffe_id = ?", id.toString()));
    }

    /** Entries and counter in one read transaction, so the entries reflect exactly that counter. */
    @Override
    public Listing listWithCounter() {
        return tx.read("listing entries", c -> new Listing(load(c, "1 = 1"), Jdbc.changeCounter(c)));
    }

    @Override
    public AutoCloseable onCommit(java.util.function.Consumer<Commit> listener) {
        return tx.commits().add(listener);
    }

    @Override
    public long changeCounter() {
        return tx.read("reading the change counter", Jdbc::changeCounter);
    }

    private static String checkId(String id) {
        if (id.isEmpty()) {
            throw new IllegalArgumentException("entry ID must not be empty (use null to have one assigned)");
        }
        return id;
    }

    private static boolean exists(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM entries WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Fails with a message naming the existing entry if another entry has the same registration key. */
    private static void rejectDuplicate(Connection c, Entry e, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM entries WHERE dedup_key = ? AND id <> ?")) {
            ps.setString(1, key);
            ps.setString(2, e.id());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    throw new StoreException.AlreadyExists("entry " + rs.getString(1) + " already registers " + describe(e));
                }
            }
        }
    }

    private static String describe(Entry e) {
        return e.spiffeId() + " with parent " + e.parent() + " and selectors " + e.selectors();
    }

    private static void insertChildren(Connection c, Entry e) throws SQLException {
        Jdbc.insertSelectors(c, "entry_selectors", "entry_id", e.id(), e.selectors());
        if (e.parent() instanceof Parent.NodeSelectors n) {
            Jdbc.insertSelectors(c, "entry_node_selectors", "entry_id", e.id(), n.selectors());
        }
        if (!e.dnsNames().isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO entry_dns_names (entry_id, position, name) VALUES (?, ?, ?)")) {
                int position = 0;
                for (String name : e.dnsNames()) {
                    ps.setString(1, e.id());
                    ps.setInt(2, position++);
                    ps.setString(3, name);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }

    private static void deleteChildren(Connection c, String id) throws SQLException {
        for (String table : new String[] {"entry_selectors", "entry_node_selectors", "entry_dns_names"}) {
            Jdbc.update(c, "DELETE FROM " + table + " WHERE entry_id = ?", id);
        }
    }

    /**
     * Loads the entries matching {@code where} (over alias {@code e}) with their children, in four queries
     * whatever the number of entries, ordered by ID.
     */
    private static List<Entry> load(Connection c, String where, String... params) throws SQLException {
        record Row(String id, SpiffeId spiffeId, String kind, String parentId, Duration ttl, String hint, long revision,
                Instant createdAt, Duration jwtTtl) {}
        Map<String, Row> rows = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT e.id, e.spiffe_id, e.parent_kind, e.parent_id, e.x509_ttl_seconds,"
                + " e.hint, e.revision, e.created_at, e.jwt_ttl_seconds FROM entries e WHERE " + where + " ORDER BY e.id")) {
            Jdbc.bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Long ttl = Jdbc.nullableLong(rs, "x509_ttl_seconds");
                    Long jwtTtl = Jdbc.nullableLong(rs, "jwt_ttl_seconds");
                    Row r = new Row(rs.getString("id"), SpiffeId.parse(rs.getString("spiffe_id")), rs.getString("parent_kind"),
                            rs.getString("parent_id"), ttl == null ? null : Duration.ofSeconds(ttl), rs.getString("hint"),
                            rs.getLong("revision"), Jdbc.instant(rs, "created_at"), jwtTtl == null ? null : Duration.ofSeconds(jwtTtl));
                    rows.put(r.id(), r);
                }
            }
        }
        if (rows.isEmpty()) {
            return List.of();
        }
        Map<String, SortedSet<Selector>> selectors = selectors(c, "entry_selectors", where, params);
        Map<String, SortedSet<Selector>> nodeSelectors = selectors(c, "entry_node_selectors", where, params);
        Map<String, List<String>> dnsNames = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT d.entry_id, d.name FROM entry_dns_names d"
                + " JOIN entries e ON e.id = d.entry_id WHERE " + where + " ORDER BY d.entry_id, d.position")) {
            Jdbc.bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    dnsNames.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                }
            }
        }
        List<Entry> out = new ArrayList<>(rows.size());
        for (Row r : rows.values()) {
            Parent parent = switch (r.kind()) {
                case KIND_AGENT -> new Parent.AgentId(SpiffeId.parse(r.parentId()));
                case KIND_NODE_SELECTORS -> new Parent.NodeSelectors(nodeSelectors.getOrDefault(r.id(), new TreeSet<>()));
                case KIND_ANY_NODE -> new Parent.AnyNode();
                default -> throw new StoreException("entry " + r.id() + " has unknown parent kind " + r.kind());
            };
            out.add(new Entry(r.id(), r.spiffeId(), parent, selectors.getOrDefault(r.id(), new TreeSet<>()), r.ttl(),
                    dnsNames.getOrDefault(r.id(), List.of()), r.hint(), r.revision(), r.createdAt(), r.jwtTtl()));
        }
        // SQL already orders by ID; sorting by Java's String order as well makes the promised order
        // independent of any database collation.
        out.sort(Comparator.comparing(Entry::id));
        return out;
    }

    private static Map<String, SortedSet<Selector>> selectors(Connection c, String table, String where, String... params)
            throws SQLException {
        Map<String, SortedSet<Selector>> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT s.entry_id, s.type, s.value FROM " + table + " s"
                + " JOIN entries e ON e.id = s.entry_id WHERE " + where)) {
            Jdbc.bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getString(1), k -> new TreeSet<>()).add(new Selector(rs.getString(2), rs.getString(3)));
                }
            }
        }
        return out;
    }


    private static String kind(Parent p) {
        if (p instanceof Parent.AgentId) {
            return KIND_AGENT;
        }
        if (p instanceof Parent.NodeSelectors) {
            return KIND_NODE_SELECTORS;
        }
        return KIND_ANY_NODE;
    }

    /** Whole seconds; null stays null (server default), distinct from an explicit zero. */
    private static Long ttlSeconds(Duration ttl) {
        return ttl == null ? null : ttl.getSeconds();
    }

    /**
     * The registration key duplicates are judged by: SHA-256 over a length-prefixed encoding of the SPIFFE
     * ID, the parent (kind plus agent ID or sorted node selectors) and the sorted selectors, so that no two
     * different registrations encode alike.
     */
    static String dedupKey(Entry e) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            field(out, e.spiffeId().toString());
            field(out, kind(e.parent()));
            if (e.parent() instanceof Parent.AgentId a) {
                field(out, a.id().toString());
            } else if (e.parent() instanceof Parent.NodeSelectors n) {
                selectorsField(out, n.selectors());
            }
            selectorsField(out, e.selectors());
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", ex);
        }
    }

    private static void selectorsField(DataOutputStream out, SortedSet<Selector> selectors) throws IOException {
        out.writeInt(selectors.size());
        for (Selector s : selectors) {
            field(out, s.type());
            field(out, s.value());
        }
    }

    private static void field(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }
}
