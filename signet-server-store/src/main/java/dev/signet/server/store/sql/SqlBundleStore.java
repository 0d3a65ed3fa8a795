package dev.signet.server.store.sql;

import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.server.store.BundleStore;
import dev.signet.server.store.StoredBundle;
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
 * by ascending position (insertion order; removals leave gaps, which keeps the order).
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
            Optional<Loaded> before = load(c, td);
            if (before.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO bundles (trust_domain, sequence) VALUES (?, 1)")) {
                    ps.setString(1, td.name());
                    ps.executeUpdate();
                }
                insertAuthority(c, td, 0, copy);
                return new StoredBundle(td, List.of(copy), 1);
            }
            Loaded b = before.get();
            for (byte[] existing : b.bundle().x509Authorities()) {
                if (Arrays.equals(existing, copy)) {
                    return b.bundle();
                }
            }
            insertAuthority(c, td, b.nextPosition(), copy);
            long sequence = bumpSequence(c, td, b.bundle().sequence());
            List<byte[]> authorities = new ArrayList<>(b.bundle().x509Authorities());
            authorities.add(copy);
            return new StoredBundle(td, authorities, sequence);
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
            for (int i = 0; i < b.positions().size(); i++) {
                byte[] der = b.bundle().x509Authorities().get(i);
                if (remove.test(der.clone())) {
                    removed.add(b.positions().get(i));
                } else {
                    kept.add(der);
                }
            }
            if (removed.isEmpty()) {
                return b.bundle();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM bundle_x509_authorities WHERE trust_domain = ? AND position = ?")) {
                for (int position : removed) {
                    ps.setString(1, td.name());
                    ps.setInt(2, position);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return new StoredBundle(td, kept, bumpSequence(c, td, b.bundle().sequence()));
        });
    }

    private record Loaded(StoredBundle bundle, List<Integer> positions) {
        int nextPosition() {
            return positions.isEmpty() ? 0 : positions.get(positions.size() - 1) + 1;
        }
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
        List<byte[]> authorities = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT position, der FROM bundle_x509_authorities WHERE trust_domain = ? ORDER BY position")) {
            ps.setString(1, td.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    positions.add(rs.getInt(1));
                    authorities.add(rs.getBytes(2));
                }
            }
        }
        return Optional.of(new Loaded(new StoredBundle(td, authorities, sequence), positions));
    }

    private static void insertAuthority(Connection c, TrustDomain td, int position, byte[] der) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO bundle_x509_authorities (trust_domain, position, der) VALUES (?, ?, ?)")) {
            ps.setString(1, td.name());
            ps.setInt(2, position);
            ps.setBytes(3, der);
            ps.executeUpdate();
        }
    }

    private static long bumpSequence(Connection c, TrustDomain td, long current) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE bundles SET sequence = ? WHERE trust_domain = ?")) {
            ps.setLong(1, current + 1);
            ps.setString(2, td.name());
            ps.executeUpdate();
        }
        return current + 1;
    }
}
