package dev.signet.server.store.sql;

import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.server.store.CatalogReport;
import dev.signet.server.store.CatalogReportStore;
import dev.signet.server.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Catalog reports in {@code catalog_reports}, one row per agent; the identities are one column, one
 * {@code "<entry ID> <SPIFFE ID> <workloads>"} line each in the reported order, so a report is replaced by writing one
 * row and "is it unchanged" is one equality test. Catalog changes bump {@code catalog_counter}, never
 * {@code change_counter}.
 *
 * <p>{@link #replace} tries first, on PostgreSQL, a refresh that takes no cross-server write lock: {@code UPDATE ...
 * SET reported_at WHERE agent_id AND address AND identities} equal to the new report. It succeeds for the usual
 * unchanged periodic report, and its row lock orders it against any concurrent change of the same row (a replace
 * holding the write lock, an expiry), whose committed result it then re-checks. Only when it matches no row does the
 * replace run as an ordinary serial write transaction that compares, writes and bumps the counter. On SQLite the
 * serial write is the only path (one writer anyway).
 */
final class SqlCatalogReportStore implements CatalogReportStore {
    private static final String COLUMNS = "agent_id, identities, address, reported_at";

    private final Transactions tx;
    private final Dialect dialect;
    private final ChangeFeed feed;

    SqlCatalogReportStore(Transactions tx, Dialect dialect, ChangeFeed feed) {
        this.tx = tx;
        this.dialect = dialect;
        this.feed = feed;
    }

    @Override
    public boolean replace(CatalogReport report) {
        String agent = report.agent().toString();
        String identities = lines(report.identities());
        long at = Jdbc.micros(report.reportedAt());
        if (dialect == Dialect.POSTGRES) {
            boolean refreshed = tx.writeConcurrently("refreshing the catalog report of " + agent,
                    c -> refresh(c, agent, identities, report.address(), at));
            if (refreshed) {
                return false;
            }
        }
        return tx.write("storing the catalog report of " + agent, c -> {
            if (refresh(c, agent, identities, report.address(), at)) {
                return false;
            }
            Jdbc.update(c, "DELETE FROM catalog_reports WHERE agent_id = ?", agent);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO catalog_reports (" + COLUMNS + ") VALUES (?, ?, ?, ?)")) {
                ps.setString(1, agent);
                ps.setString(2, identities);
                ps.setString(3, report.address());
                ps.setLong(4, at);
                ps.executeUpdate();
            }
            Jdbc.bumpCatalogCounter(c);
            return true;
        });
    }

    /** Sets the report time if the stored report says exactly this; false if there is none or it differs. */
    private static boolean refresh(Connection c, String agent, String identities, String address, long at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE catalog_reports SET reported_at = ? WHERE agent_id = ? AND address = ? AND identities = ?")) {
            ps.setLong(1, at);
            ps.setString(2, agent);
            ps.setString(3, address);
            ps.setString(4, identities);
            return ps.executeUpdate() == 1;
        }
    }

    @Override
    public List<CatalogReport> list() {
        return tx.read("listing catalog reports", c -> query(c, "SELECT " + COLUMNS + " FROM catalog_reports ORDER BY agent_id"));
    }

    @Override
    public Optional<CatalogReport> get(SpiffeId agent) {
        List<CatalogReport> l = tx.read("reading the catalog report of " + agent,
                c -> query(c, "SELECT " + COLUMNS + " FROM catalog_reports WHERE agent_id = ?", agent.toString()));
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }

    @Override
    public boolean delete(SpiffeId agent) {
        return tx.write("deleting the catalog report of " + agent, c -> {
            if (Jdbc.update(c, "DELETE FROM catalog_reports WHERE agent_id = ?", agent.toString()) == 0) {
                return false;
            }
            Jdbc.bumpCatalogCounter(c);
            return true;
        });
    }

    @Override
    public int deleteReportedBefore(java.time.Instant cutoff) {
        long micros = Jdbc.micros(cutoff);
        // Every server runs this every second: look first (indexed, no lock), write only when there is something to do.
        boolean any = tx.read("looking for expired catalog reports", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM catalog_reports WHERE reported_at < ? LIMIT 1")) {
                ps.setLong(1, micros);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
        if (!any) {
            return 0;
        }
        return tx.write("deleting expired catalog reports", c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM catalog_reports WHERE reported_at < ?")) {
                ps.setLong(1, micros);
                n = ps.executeUpdate();
            }
            if (n > 0) {
                Jdbc.bumpCatalogCounter(c);
            }
            return n;
        });
    }

    @Override
    public long changeCounter() {
        return tx.read("reading the catalog counter", Jdbc::catalogCounter);
    }

    @Override
    public AutoCloseable watch(Runnable listener) {
        return feed.watch(ChangeFeed.Topic.CATALOG, listener);
    }

    private static String lines(List<CatalogReport.Identity> identities) {
        StringBuilder b = new StringBuilder();
        for (CatalogReport.Identity i : identities) {
            if (b.length() > 0) {
                b.append('\n');
            }
            b.append(i.entryId()).append(' ').append(i.spiffeId()).append(' ').append(i.workloads());
        }
        return b.toString();
    }

    private static List<CatalogReport> query(Connection c, String sql, String... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            Jdbc.bind(ps, params);
            List<CatalogReport> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
            return out;
        }
    }

    private static CatalogReport row(ResultSet rs) throws SQLException {
        String agent = rs.getString("agent_id");
        try {
            List<CatalogReport.Identity> identities = new ArrayList<>();
            String text = rs.getString("identities");
            if (!text.isEmpty()) {
                for (String line : text.split("\n")) {
                    String[] f = line.split(" ");
                    if (f.length != 3) {
                        throw new IllegalArgumentException("identity line \"" + line + "\" is not \"<entry> <spiffe id> <workloads>\"");
                    }
                    identities.add(new CatalogReport.Identity(f[0], SpiffeId.parse(f[1]), Integer.parseInt(f[2])));
                }
            }
            return new CatalogReport(SpiffeId.parse(agent), identities, Jdbc.instant(rs, "reported_at"), rs.getString("address"));
        } catch (IllegalArgumentException e) {
            throw new StoreException("the catalog report of " + agent + " in the database is malformed: " + e.getMessage(), e);
        }
    }
}
