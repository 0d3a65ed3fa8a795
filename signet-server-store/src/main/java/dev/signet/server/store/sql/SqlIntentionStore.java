package dev.signet.server.store.sql;

import dev.signet.core.intention.Action;
import dev.signet.core.intention.Intention;
import dev.signet.core.intention.IntentionDestination;
import dev.signet.core.intention.IntentionSource;
import dev.signet.server.store.IntentionStore;
import dev.signet.server.store.StoreException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Intentions in {@code intentions}; writes bump {@code change_counter}. */
final class SqlIntentionStore implements IntentionStore {
    private static final String COLUMNS = "id, source, destination, action, description, created_at, updated_at";

    private final Transactions tx;
    private final Dialect dialect;
    private final Clock clock;

    SqlIntentionStore(Transactions tx, Dialect dialect, Clock clock) {
        this.tx = tx;
        this.dialect = dialect;
        this.clock = clock;
    }

    @Override
    public Intention create(Intention i) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Intention stored = new Intention(UUID.randomUUID().toString(), i.source(), i.destination(), i.action(),
                i.description(), now, now);
        return tx.write("creating intention " + i.summary(), c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO intentions (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, stored.id());
                ps.setString(2, stored.source().toString());
                ps.setString(3, stored.destination().toString());
                ps.setString(4, stored.action().text());
                ps.setString(5, stored.description());
                ps.setLong(6, Jdbc.micros(now));
                ps.setLong(7, Jdbc.micros(now));
                ps.executeUpdate();
            } catch (SQLException e) {
                if (dialect.isUniqueViolation(e)) {
                    throw new StoreException.AlreadyExists("an intention from " + i.source() + " to " + i.destination() + " already exists");
                }
                throw e;
            }
            Jdbc.bumpChangeCounter(c);
            return stored;
        });
    }

    @Override
    public Optional<Intention> get(String id) {
        if (id == null) {
            return Optional.empty();
        }
        return tx.read("reading intention " + id, c -> first(query(c.prepareStatement(
                "SELECT " + COLUMNS + " FROM intentions WHERE id = ?"), id)));
    }

    @Override
    public Optional<Intention> find(IntentionSource source, IntentionDestination destination) {
        return tx.read("finding intention " + source + " => " + destination, c -> first(query(c.prepareStatement(
                "SELECT " + COLUMNS + " FROM intentions WHERE source = ? AND destination = ?"),
                source.toString(), destination.toString())));
    }

    @Override
    public boolean delete(String id) {
        if (id == null) {
            return false;
        }
        return tx.write("deleting intention " + id, c -> {
            if (Jdbc.update(c, "DELETE FROM intentions WHERE id = ?", id) != 1) {
                return false;
            }
            Jdbc.bumpChangeCounter(c);
            return true;
        });
    }

    @Override
    public List<Intention> list() {
        return tx.read("listing intentions", c -> query(c.prepareStatement("SELECT " + COLUMNS + " FROM intentions ORDER BY id")));
    }

    private static Optional<Intention> first(List<Intention> l) {
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }

    private static List<Intention> query(PreparedStatement ps, String... params) throws SQLException {
        try (ps) {
            Jdbc.bind(ps, params);
            List<Intention> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
            return out;
        }
    }

    private static Intention row(ResultSet rs) throws SQLException {
        String id = rs.getString("id");
        try {
            return new Intention(id, IntentionSource.parse(rs.getString("source")),
                    IntentionDestination.parse(rs.getString("destination")), Action.parse(rs.getString("action")),
                    rs.getString("description"), Jdbc.instant(rs, "created_at"), Jdbc.instant(rs, "updated_at"));
        } catch (IllegalArgumentException e) {
            throw new StoreException("intention " + id + " in the database is malformed: " + e.getMessage(), e);
        }
    }
}
