package dev.signet.server.store.sql;

import dev.signet.core.selector.Selector;
import dev.signet.core.template.IdentityTemplate;
import dev.signet.server.store.StoreException;
import dev.signet.server.store.TemplateStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;

/** Identity templates in {@code templates}; writes bump {@code change_counter}. */
final class SqlTemplateStore implements TemplateStore {
    private static final String COLUMNS =
            "id, spiffe_id_template, selectors, node_selectors, x509_ttl_seconds, jwt_ttl_seconds, dns_names, hint, created_at";

    private final Transactions tx;
    private final Clock clock;

    SqlTemplateStore(Transactions tx, Clock clock) {
        this.tx = tx;
        this.clock = clock;
    }

    @Override
    public IdentityTemplate create(IdentityTemplate t) {
        IdentityTemplate stored = t.withId(UUID.randomUUID().toString(), clock.instant().truncatedTo(ChronoUnit.SECONDS));
        return tx.write("creating template " + t.template(), c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO templates (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, stored.id());
                ps.setString(2, stored.template());
                ps.setString(3, lines(stored.selectors()));
                ps.setString(4, lines(stored.nodeSelectors()));
                Jdbc.setLong(ps, 5, stored.x509Ttl() == null ? null : stored.x509Ttl().toSeconds());
                Jdbc.setLong(ps, 6, stored.jwtTtl() == null ? null : stored.jwtTtl().toSeconds());
                ps.setString(7, String.join("\n", stored.dnsNames()));
                ps.setString(8, stored.hint());
                ps.setLong(9, Jdbc.micros(stored.createdAt()));
                ps.executeUpdate();
            }
            Jdbc.bumpChangeCounter(c);
            return stored;
        });
    }

    @Override
    public Optional<IdentityTemplate> get(String id) {
        if (id == null) {
            return Optional.empty();
        }
        List<IdentityTemplate> l = tx.read("reading template " + id, c -> query(c.prepareStatement(
                "SELECT " + COLUMNS + " FROM templates WHERE id = ?"), id));
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }

    @Override
    public boolean delete(String id) {
        if (id == null) {
            return false;
        }
        return tx.write("deleting template " + id, c -> {
            if (Jdbc.update(c, "DELETE FROM templates WHERE id = ?", id) != 1) {
                return false;
            }
            Jdbc.bumpChangeCounter(c);
            return true;
        });
    }

    @Override
    public List<IdentityTemplate> list() {
        return tx.read("listing templates", c -> query(c.prepareStatement("SELECT " + COLUMNS + " FROM templates ORDER BY id")));
    }

    private static String lines(Collection<Selector> selectors) {
        return String.join("\n", selectors.stream().map(Selector::toString).toList());
    }

    private static SortedSet<Selector> selectors(String lines) {
        SortedSet<Selector> out = new TreeSet<>();
        for (String l : split(lines)) {
            out.add(Selector.parse(l));
        }
        return out;
    }

    private static List<String> split(String lines) {
        return lines == null || lines.isEmpty() ? List.of() : List.of(lines.split("\n"));
    }

    private static List<IdentityTemplate> query(PreparedStatement ps, String... params) throws SQLException {
        try (ps) {
            Jdbc.bind(ps, params);
            List<IdentityTemplate> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
            return out;
        }
    }

    private static IdentityTemplate row(ResultSet rs) throws SQLException {
        String id = rs.getString("id");
        try {
            Long x509 = Jdbc.nullableLong(rs, "x509_ttl_seconds");
            Long jwt = Jdbc.nullableLong(rs, "jwt_ttl_seconds");
            Instant created = Jdbc.instant(rs, "created_at");
            return new IdentityTemplate(id, rs.getString("spiffe_id_template"), selectors(rs.getString("selectors")),
                    selectors(rs.getString("node_selectors")), x509 == null ? null : Duration.ofSeconds(x509),
                    jwt == null ? null : Duration.ofSeconds(jwt), new ArrayList<>(split(rs.getString("dns_names"))),
                    rs.getString("hint"), created);
        } catch (IllegalArgumentException e) {
            throw new StoreException("template " + id + " in the database is malformed: " + e.getMessage(), e);
        }
    }
}
