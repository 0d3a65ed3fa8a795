package dev.signet.server.store.sql;

import dev.signet.server.store.JoinToken;
import dev.signet.server.store.JoinTokenStore;
import dev.signet.server.store.StoreException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Join tokens in {@code join_tokens}, their labels in {@code join_token_labels}. */
final class SqlJoinTokenStore implements JoinTokenStore {
    private final Transactions tx;
    private final Dialect dialect;

    SqlJoinTokenStore(Transactions tx, Dialect dialect) {
        this.tx = tx;
        this.dialect = dialect;
    }

    @Override
    public void create(JoinToken token) {
        // Log and error text carry the redacted form only: a token is a secret until used.
        tx.write("creating " + token, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO join_tokens (token, expires_at) VALUES (?, ?)")) {
                ps.setString(1, token.token());
                ps.setLong(2, Jdbc.micros(token.expiresAt()));
                ps.executeUpdate();
            } catch (SQLException e) {
                if (dialect.isUniqueViolation(e)) {
                    throw new StoreException.AlreadyExists("join token " + token + " already exists");
                }
                throw e;
            }
            if (!token.labels().isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO join_token_labels (token, label_key, label_value) VALUES (?, ?, ?)")) {
                    for (Map.Entry<String, String> l : token.labels().entrySet()) {
                        ps.setString(1, token.token());
                        ps.setString(2, l.getKey());
                        ps.setString(3, l.getValue());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            return null;
        });
    }

    /**
     * Reads the token, then deletes it; whoever's DELETE removes the row wins. That is atomic on every
     * dialect: SQLite write transactions are serial, and on PostgreSQL a concurrent DELETE of the same row
     * waits for the first and then removes nothing.
     */
    @Override
    public Optional<JoinToken> consume(String token) {
        if (token == null) {
            return Optional.empty();
        }
        return tx.write("consuming a join token", c -> {
            Instant expiresAt;
            try (PreparedStatement ps = c.prepareStatement("SELECT expires_at FROM join_tokens WHERE token = ?")) {
                ps.setString(1, token);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    expiresAt = Jdbc.instant(rs, "expires_at");
                }
            }
            TreeMap<String, String> labels = new TreeMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT label_key, label_value FROM join_token_labels WHERE token = ?")) {
                ps.setString(1, token);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        labels.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
            Jdbc.update(c, "DELETE FROM join_token_labels WHERE token = ?", token);
            if (Jdbc.update(c, "DELETE FROM join_tokens WHERE token = ?", token) != 1) {
                return Optional.empty();
            }
            return Optional.of(new JoinToken(token, expiresAt, labels));
        });
    }

    @Override
    public int pruneExpired(Instant now) {
        long cutoff = Jdbc.micros(now);
        return tx.write("pruning expired join tokens", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM join_token_labels WHERE token IN (SELECT token FROM join_tokens WHERE expires_at < ?)")) {
                ps.setLong(1, cutoff);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM join_tokens WHERE expires_at < ?")) {
                ps.setLong(1, cutoff);
                return ps.executeUpdate();
            }
        });
    }
}
