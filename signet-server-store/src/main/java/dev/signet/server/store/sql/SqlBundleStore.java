package dev.signet.server.store.sql;

import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.server.store.BundleStore;
import dev.signet.server.store.StoreException;
import dev.signet.server.store.StoredBundle;
import dev.signet.server.store.StoredJwtAuthority;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Trust bundles: {@code bundles} holds the sequence, {@code bundle_x509_authorities} the DER certificates
 * and {@code bundle_jwt_authorities} the JWT keys, each by ascending position (insertion order; removals
 * leave gaps, which keeps the order). Every change to either list raises the one sequence and the change counter.
 */
final class SqlBundleStore implements BundleStore {
    private final Transactions tx;

    SqlBundleStore(Transactions tx) {
        this.tx = tx;
    }

    @Override
    public Optional<StoredBundle> get(TrustDomain td) {
        return tx.read("reading the bundle of " + td, c -> load(c, td).map(Loaded::bundle));
    }

    @Override
    public StoredBundle addX509Authority(TrustDomain td, byte[] der) {
        Objects.requireNonNull(der, "der");
        if (der.length == 0) {
            throw new IllegalArgumentException("an X.509 authority must not be empty");
        }
        byte[] copy = der.clone();
        return tx.write("adding an X.509 authority to the bundle of " + td, c -> {
            Loaded b = loadOrCreate(c, td);
            for (byte[] existing : b.bundle().x509Authorities()) {
                if (Arrays.equals(existing, copy)) {
                    return b.bundle();
                }
            }
            insertX509(c, td, next(b.x509Positions()), copy);
            List<byte[]> authorities = new ArrayList<>(b.bundle().x509Authorities());
            authorities.add(copy);
            return new StoredBundle(td, authorities, b.bundle().jwtAuthorities(), bumpSequence(c, td, b));
        });
    }

    /** An absent bundle is left absent and reported as empty with sequence 0. */
    @Override
    public StoredBundle removeX509Authorities(TrustDomain td, Predicate<byte[]> remove) {
        Objects.requireNonNull(remove, "remove");
        return tx.write("removing X.509 authorities from the bundle of " + td, c -> {
            Optional<Loaded> before = load(c, td);
            if (before.isEmpty()) {
                return new StoredBundle(td, List.of(), 0);
            }
            Loaded b = before.get();
            List<byte[]> kept = new ArrayList<>();
            List<Integer> removed = new ArrayList<>();
            for (int i = 0; i < b.x509Positions().size(); i++) {
                byte[] der = b.bundle().x509Authorities().get(i);
                if (remove.test(der.clone())) {
                    removed.add(b.x509Positions().get(i));
                } else {
                    kept.add(der);
                }
            }
            if (removed.isEmpty()) {
                return b.bundle();
            }
            deletePositions(c, "bundle_x509_authorities", td, removed);
            return new StoredBundle(td, kept, b.bundle().jwtAuthorities(), bumpSequence(c, td, b));
        });
    }

    @Override
    public StoredBundle addJwtAuthority(TrustDomain td, StoredJwtAuthority given) {
        Objects.requireNonNull(given, "authority");
        Jdbc.micros(given.expiresAt()); // fails early on an instant the datastore cannot hold
        // Stored to the microsecond: compare and return what a later read returns.
        StoredJwtAuthority authority = new StoredJwtAuthority(given.keyId(), given.publicKey(),
                given.expiresAt().truncatedTo(java.time.temporal.ChronoUnit.MICROS), given.algorithm());
        return tx.write("adding JWT authority " + authority.keyId() + " to the bundle of " + td, c -> {
            Loaded b = loadOrCreate(c, td);
            for (StoredJwtAuthority existing : b.bundle().jwtAuthorities()) {
                if (existing.keyId().equals(authority.keyId())) {
                    if (existing.equals(authority)) {
                        return b.bundle();
                    }
                    throw new StoreException.AlreadyExists("the bundle of " + td + " already has a different JWT authority with key ID "
                            + authority.keyId());
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO bundle_jwt_authorities"
                    + " (trust_domain, position, key_id, public_key, expires_at, algorithm) VALUES (?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, td.name());
                ps.setInt(2, next(b.jwtPositions()));
                ps.setString(3, authority.keyId());
                ps.setBytes(4, authority.publicKey());
                ps.setLong(5, Jdbc.micros(authority.expiresAt()));
                Jdbc.setString(ps, 6, authority.algorithm());
                ps.executeUpdate();
            }
            List<StoredJwtAuthority> authorities = new ArrayList<>(b.bundle().jwtAuthorities());
            authorities.add(authority);
            return new StoredBundle(td, b.bundle().x509Authorities(), authorities, bumpSequence(c, td, b));
        });
    }

    /** An absent bundle is left absent and reported as empty with sequence 0. */
    @Override
    public StoredBundle removeJwtAuthorities(TrustDomain td, Predicate<StoredJwtAuthority> remove) {
        Objects.requireNonNull(remove, "remove");
        return tx.write("removing JWT authorities from the bundle of " + td, c -> {
            Optional<Loaded> before = load(c, td);
            if (before.isEmpty()) {
                return new StoredBundle(td, List.of(), 0);
            }
            Loaded b = before.get();
            List<StoredJwtAuthority> kept = new ArrayList<>();
            List<Integer> removed = new ArrayList<>();
            for (int i = 0; i < b.jwtPositions().size(); i++) {
                StoredJwtAuthority a = b.bundle().jwtAuthorities().get(i);
                if (remove.test(a)) {
                    removed.add(b.jwtPositions().get(i));
                } else {
                    kept.add(a);
                }
            }
            if (removed.isEmpty()) {
                return b.bundle();
            }
            deletePositions(c, "bundle_jwt_authorities", td, removed);
            return new StoredBundle(td, b.bundle().x509Authorities(), kept, bumpSequence(c, td, b));
        });
    }

    private record Loaded(StoredBundle bundle, List<Integer> x509Positions, List<Integer> jwtPositions) {}

    private static int next(List<Integer> positions) {
        return positions.isEmpty() ? 0 : positions.get(positions.size() - 1) + 1;
    }

    /** The bundle, created empty with sequence 0 if absent (the caller's change then raises it to 1). */
    private static Loaded loadOrCreate(Connection c, TrustDomain td) throws SQLException {
        Optional<Loaded> before = load(c, td);
        if (before.isPresent()) {
            return before.get();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO bundles (trust_domain, sequence) VALUES (?, 0)")) {
            ps.setString(1, td.name());
            ps.executeUpdate();
        }
        return new Loaded(new StoredBundle(td, List.of(), List.of(), 0), List.of(), List.of());
    }

    private static Optional<Loaded> load(Connection c, TrustDomain td) throws SQLException {
        long sequence;
        try (PreparedStatement ps = c.prepareStatement("SELECT sequence FROM bundles WHERE trust_domain = ?")) {
            ps.setString(1, td.name());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                sequence = rs.getLong(1);
            }
        }
        List<byte[]> x509 = new ArrayList<>();
        List<Integer> x509Positions = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT position, der FROM bundle_x509_authorities WHERE trust_domain = ? ORDER BY position")) {
            ps.setString(1, td.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    x509Positions.add(rs.getInt(1));
                    x509.add(rs.getBytes(2));
                }
            }
        }
        List<StoredJwtAuthority> jwt = new ArrayList<>();
        List<Integer> jwtPositions = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT position, key_id, public_key, expires_at, algorithm"
                + " FROM bundle_jwt_authorities WHERE trust_domain = ? ORDER BY position")) {
            ps.setString(1, td.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    jwtPositions.add(rs.getInt("position"));
                    jwt.add(new StoredJwtAuthority(rs.getString("key_id"), rs.getBytes("public_key"),
                            Jdbc.instant(rs, "expires_at"), rs.getString("algorithm")));
                }
            }
        }
        return Optional.of(new Loaded(new StoredBundle(td, x509, jwt, sequence), x509Positions, jwtPositions));
    }

    private static void insertX509(Connection c, TrustDomain td, int position, byte[] der) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO bundle_x509_authorities (trust_domain, position, der) VALUES (?, ?, ?)")) {
            ps.setString(1, td.name());
            ps.setInt(2, position);
            ps.setBytes(3, der);
            ps.executeUpdate();
        }
    }

    private static void deletePositions(Connection c, String table, TrustDomain td, List<Integer> positions) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE trust_domain = ? AND position = ?")) {
            for (int position : positions) {
                ps.setString(1, td.name());
                ps.setInt(2, position);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static long bumpSequence(Connection c, TrustDomain td, Loaded b) throws SQLException {
        long next = b.bundle().sequence() + 1;
        try (PreparedStatement ps = c.prepareStatement("UPDATE bundles SET sequence = ? WHERE trust_domain = ?")) {
            ps.setLong(1, next);
            ps.setString(2, td.name());
            ps.executeUpdate();
        }
        // Servers watch the change counter (Datastore.watch) to notice another server's new or retired authority.
        Jdbc.bumpChangeCounter(c);
        return next;
    }
}
