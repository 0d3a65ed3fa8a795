package dev.signet.server.store.sql;

import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.server.store.AgentRecord;
import dev.signet.server.store.AgentStore;
import dev.signet.server.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/** Attested agents in {@code agents} with their node selectors in {@code agent_selectors}. */
final class SqlAgentStore implements AgentStore {
    private static final String COLUMNS = "a.spiffe_id, a.attestation_type, a.cert_serial, a.cert_not_after,"
            + " a.new_cert_serial, a.new_cert_not_after, a.banned, a.created_at, a.last_seen";

    private final Transactions tx;
    private final Dialect dialect;

    SqlAgentStore(Transactions tx, Dialect dialect) {
        this.tx = tx;
        this.dialect = dialect;
    }

    @Override
    public void create(AgentRecord agent) {
        String id = agent.id().toString();
        tx.write("creating agent " + id, c -> {
            if (exists(c, id)) {
                throw new StoreException.AlreadyExists("agent " + id + " already exists");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO agents (attestation_type, cert_serial, cert_not_after,"
                    + " new_cert_serial, new_cert_not_after, banned, created_at, last_seen, spiffe_id)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                bind(ps, agent);
                ps.executeUpdate();
            } catch (SQLException e) {
                if (dialect.isUniqueViolation(e)) {
                    throw new StoreException.AlreadyExists("agent " + id + " already exists");
                }
                throw e;
            }
            Jdbc.insertSelectors(c, "agent_selectors", "agent_id", id, agent.selectors());
            Jdbc.bumpForAgent(c, id);
            return null;
        });
    }

    @Override
    public Optional<AgentRecord> get(SpiffeId id) {
        return tx.read("reading agent " + id, c -> load(c, "a.spiffe_id = ?", id.toString()).stream().findFirst());
    }

    @Override
    public void update(AgentRecord agent) {
        String id = agent.id().toString();
        tx.write("updating agent " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE agents SET attestation_type = ?, cert_serial = ?,"
                    + " cert_not_after = ?, new_cert_serial = ?, new_cert_not_after = ?, banned = ?, created_at = ?,"
                    + " last_seen = ? WHERE spiffe_id = ? AND (banned = ? OR banned = ?)")) {
                bind(ps, agent);
                // a banned row matches only a write that bans it too: a ban is never lifted by a stale write-back
                ps.setBoolean(10, false);
                ps.setBoolean(11, agent.banned());
                if (ps.executeUpdate() != 1) {
                    if (!exists(c, id)) {
                        throw new StoreException.NotFound("no agent " + id);
                    }
                    throw new StoreException.Conflict("agent " + id + " is banned");
                }
            }
            Jdbc.update(c, "DELETE FROM agent_selectors WHERE agent_id = ?", id);
            Jdbc.insertSelectors(c, "agent_selectors", "agent_id", id, agent.selectors());
            Jdbc.bumpForAgent(c, id);
            return null;
        });
    }

    @Override
    public boolean delete(SpiffeId id) {
        String s = id.toString();
        return tx.write("deleting agent " + id, c -> {
            Jdbc.update(c, "DELETE FROM agent_selectors WHERE agent_id = ?", s);
            boolean deleted = Jdbc.update(c, "DELETE FROM agents WHERE spiffe_id = ?", s) == 1;
            if (deleted) {
                Jdbc.bumpForAgent(c, s);
            }
            return deleted;
        });
    }

    @Override
    public List<AgentRecord> list() {
        return tx.read("listing agents", c -> load(c, "1 = 1"));
    }

    private static boolean exists(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM agents WHERE spiffe_id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Binds every column in the order used by both INSERT and UPDATE, the ID last. */
    private static void bind(PreparedStatement ps, AgentRecord a) throws SQLException {
        Jdbc.setString(ps, 1, a.attestationType());
        ps.setString(2, a.certSerial());
        Jdbc.setLong(ps, 3, Jdbc.micros(a.certNotAfter()));
        ps.setString(4, a.newCertSerial());
        Jdbc.setLong(ps, 5, Jdbc.micros(a.newCertNotAfter()));
        ps.setBoolean(6, a.banned());
        Jdbc.setLong(ps, 7, Jdbc.micros(a.createdAt()));
        Jdbc.setLong(ps, 8, Jdbc.micros(a.lastSeen()));
        ps.setString(9, a.id().toString());
    }

    private static List<AgentRecord> load(Connection c, String where, String... params) throws SQLException {
        Map<String, SortedSet<Selector>> selectors = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT s.agent_id, s.type, s.value FROM agent_selectors s"
                + " JOIN agents a ON a.spiffe_id = s.agent_id WHERE " + where)) {
            Jdbc.bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    selectors.computeIfAbsent(rs.getString(1), k -> new TreeSet<>()).add(new Selector(rs.getString(2), rs.getString(3)));
                }
            }
        }
        List<AgentRecord> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM agents a WHERE " + where + " ORDER BY a.spiffe_id")) {
            Jdbc.bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString("spiffe_id");
                    out.add(new AgentRecord(SpiffeId.parse(id), rs.getString("attestation_type"), selectors.get(id),
                            rs.getString("cert_serial"), Jdbc.instant(rs, "cert_not_after"), rs.getString("new_cert_serial"),
                            Jdbc.instant(rs, "new_cert_not_after"), rs.getBoolean("banned"), Jdbc.instant(rs, "created_at"),
                            Jdbc.instant(rs, "last_seen")));
                }
            }
        }
        out.sort(Comparator.comparing(AgentRecord::id));
        return out;
    }
}
