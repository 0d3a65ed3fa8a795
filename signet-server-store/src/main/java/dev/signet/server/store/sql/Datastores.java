package dev.signet.server.store.sql;

import dev.signet.server.store.Datastore;
import dev.signet.server.store.StoreException;
import java.nio.file.Path;
import java.time.Clock;

/** Opens the datastore a server's {@code datastore { type = ... }} block names. */
public final class Datastores {
    private Datastores() {}

    /**
     * Opens {@code type} {@code "sqlite"} ({@code <dataDir>/datastore.sqlite3}) or {@code "postgres"} (at
     * {@code connectionString}).
     *
     * @throws StoreException if the store cannot be opened; the message names it (file, or host:port/database)
     * @throws IllegalArgumentException for an unknown type or a missing PostgreSQL connection string
     */
    public static Datastore open(String type, String connectionString, Path dataDir, Clock clock) {
        return switch (type == null ? "sqlite" : type) {
            case "sqlite" -> SqliteDatastore.open(dataDir, clock);
            case "postgres" -> {
                if (connectionString == null || connectionString.isBlank()) {
                    throw new IllegalArgumentException("datastore type \"postgres\" needs a connection_string");
                }
                yield PostgresDatastore.open(connectionString, clock);
            }
            default -> throw new IllegalArgumentException("unknown datastore type \"" + type + "\" (sqlite or postgres)");
        };
    }
}
