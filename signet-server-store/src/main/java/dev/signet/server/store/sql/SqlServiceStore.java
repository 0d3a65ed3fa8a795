package dev.signet.server.store.sql;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.signet.core.catalog.ServiceDefinition;
import dev.signet.core.catalog.ServiceProtos;
import dev.signet.core.registration.Entry;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.server.store.RegisteredService;
import dev.signet.server.store.ServiceStore;
import dev.signet.server.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Services in {@code services}, their managed entries linked in {@code service_entries}; the entries themselves
 * are written through {@link SqlEntryStore}'s in-transaction methods, so a registration and its entries commit
 * or roll back together.
 */
final class SqlServiceStore implements ServiceStore {
    private final Transactions tx;
    private final SqlEntryStore entries;
    private final Clock clock;

    SqlServiceStore(Transactions tx, SqlEntryStore entries, Clock clock) {
        this.tx = tx;
        this.entries = entries;
        this.clock = clock;
    }

    @Override
    public RegisteredService register(ServiceDefinition definition, TrustDomain trustDomain) {
        ServiceDefinition.Key key = definition.key();
        List<Entry> derived = definition.entries(trustDomain);
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        return tx.write("registering service " + key.describe(), c -> {
            Optional<RegisteredService> previous = load(c, "service_key = ?", key.toString()).stream().findFirst();
            Set<String> managed = new TreeSet<>(managedIds(c, key));
            List<String> ids = derived.stream().map(Entry::id).toList();
            // Surplus entries go first, and the registration keys of this service's entries are parked, so that
            // moving a selector set to another index (e.g. dropping set 0 of two) is no duplicate of itself.
            for (String surplus : managed) {
                if (!ids.contains(surplus)) {
                    SqlEntryStore.remove(c, surplus);
                } else {
                    Jdbc.update(c, "UPDATE entries SET dedup_key = ? WHERE id = ?", "service-pending:" + surplus, surplus);
                }
            }
            for (Entry e : derived) {
                Optional<Entry> existing = SqlEntryStore.find(c, e.id());
                if (existing.isPresent() && !managed.contains(e.id())) {
                    throw new StoreException.AlreadyExists("entry " + e.id() + " already exists and is not managed by service "
                            + key.describe());
                }
                if (existing.isEmpty()) {
                    entries.insert(c, e.withId(e.id(), 1, now));
                } else if (sameRegistration(existing.get(), e)) {
                    Jdbc.update(c, "UPDATE entries SET dedup_key = ? WHERE id = ?", SqlEntryStore.dedupKey(existing.get()), e.id());
                } else {
                    entries.replace(c, e);
                }
            }
            long revision = previous.map(p -> p.revision() + 1).orElse(1L);
            Instant createdAt = previous.map(RegisteredService::createdAt).orElse(now);
            SpiffeId spiffeId = definition.spiffeId(trustDomain);
            Jdbc.update(c, "DELETE FROM service_entries WHERE service_key = ?", key.toString());
            Jdbc.update(c, "DELETE FROM services WHERE service_key = ?", key.toString());
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO services (service_key, partition, namespace, datacenter,"
                    + " name, definition, spiffe_id, revision, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, key.toString());
                ps.setString(2, key.partition());
                ps.setString(3, key.namespace());
                ps.setString(4, key.datacenter());
                ps.setString(5, key.name());
                ps.setBytes(6, ServiceProtos.toProto(definition).toByteArray());
                ps.setString(7, spiffeId.toString());
                ps.setLong(8, revision);
                ps.setLong(9, Jdbc.micros(createdAt));
                ps.setLong(10, Jdbc.micros(now));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO service_entries (entry_id, service_key, position) VALUES (?, ?, ?)")) {
                for (int i = 0; i < ids.size(); i++) {
                    ps.setString(1, ids.get(i));
                    ps.setString(2, key.toString());
                    ps.setInt(3, i);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            Jdbc.bumpChangeCounter(c);
            return new RegisteredService(definition, spiffeId, ids, revision, createdAt, now);
        });
    }

    /** Same registration apart from revision and created-at: no need to rewrite (and re-push) the entry. */
    private static boolean sameRegistration(Entry stored, Entry derived) {
        return stored.withId(stored.id(), 0, null).equals(derived.withId(derived.id(), 0, null));
    }

    @Override
    public Optional<RegisteredService> get(ServiceDefinition.Key key) {
        return tx.read("reading service " + key.describe(), c -> load(c, "service_key = ?", key.toString()).stream().findFirst());
    }

    @Override
    public List<RegisteredService> list() {
        return tx.read("listing services", c -> load(c, "1 = 1"));
    }

    @Override
    public boolean deregister(ServiceDefinition.Key key) {
        return tx.write("deregistering service " + key.describe(), c -> {
            List<String> ids = managedIds(c, key);
            Jdbc.update(c, "DELETE FROM service_entries WHERE service_key = ?", key.toString());
            for (String id : ids) {
                SqlEntryStore.remove(c, id);
            }
            boolean deleted = Jdbc.update(c, "DELETE FROM services WHERE service_key = ?", key.toString()) == 1;
            if (deleted) {
                Jdbc.bumpChangeCounter(c);
            }
            return deleted;
        });
    }

    @Override
    public Optional<ServiceDefinition.Key> managingService(String entryId) {
        if (entryId == null) {
            return Optional.empty();
        }
        return tx.read("reading the service managing entry " + entryId, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT s.partition, s.namespace, s.datacenter, s.name"
                    + " FROM service_entries se JOIN services s ON s.service_key = se.service_key WHERE se.entry_id = ?")) {
                ps.setString(1, entryId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next()
                            ? Optional.of(new ServiceDefinition.Key(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)))
                            : Optional.<ServiceDefinition.Key>empty();
                }
            }
        });
    }

    private static List<String> managedIds(Connection c, ServiceDefinition.Key key) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT entry_id FROM service_entries WHERE service_key = ? ORDER BY position")) {
            ps.setString(1, key.toString());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static List<RegisteredService> load(Connection c, String where, String... params) throws SQLException {
        record Row(String key, byte[] definition, String spiffeId, long revision, Instant createdAt, Instant updatedAt) {}
        Map<String, Row> rows = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT service_key, definition, spiffe_id, revision, created_at, updated_at"
                + " FROM services WHERE " + where + " ORDER BY service_key")) {
            Jdbc.bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getString(1), new Row(rs.getString(1), rs.getBytes(2), rs.getString(3), rs.getLong(4),
                            Jdbc.instant(rs, "created_at"), Jdbc.instant(rs, "updated_at")));
                }
            }
        }
        if (rows.isEmpty()) {
            return List.of();
        }
        Map<String, List<String>> ids = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT service_key, entry_id FROM service_entries ORDER BY service_key, position")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rows.containsKey(rs.getString(1))) {
                        ids.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                    }
                }
            }
        }
        List<RegisteredService> out = new ArrayList<>();
        for (Row r : rows.values()) {
            ServiceDefinition def;
            try {
                def = ServiceProtos.fromProto(dev.signet.proto.catalog.v1.ServiceDefinition.parseFrom(r.definition()));
            } catch (InvalidProtocolBufferException e) {
                throw new StoreException("service " + r.key() + " has an unreadable definition: " + e.getMessage(), e);
            }
            out.add(new RegisteredService(def, SpiffeId.parse(r.spiffeId()), ids.getOrDefault(r.key(), List.of()), r.revision(),
                    r.createdAt(), r.updatedAt()));
        }
        out.sort(Comparator.comparing(s -> s.key().toString()));
        return out;
    }
}
