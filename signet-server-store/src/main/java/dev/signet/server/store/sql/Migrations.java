package dev.signet.server.store.sql;

import dev.signet.server.store.StoreException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Brings a database's schema up to date with Flyway, refusing one newer than this code knows. */
final class Migrations {
    private static final Logger log = LoggerFactory.getLogger(Migrations.class);

    private Migrations() {}

    /**
     * Applies the pending migrations of {@code dialect}. Fails with a {@link StoreException} naming
     * {@code description} if the database was migrated by a newer Signet (an applied version this code
     * does not have), if an applied migration was changed, or if a migration fails.
     */
    static void migrate(DataSource dataSource, Dialect dialect, String description) {
        Flyway flyway = Flyway.configure(Migrations.class.getClassLoader())
                .dataSource(dataSource)
                .locations(dialect.migrationLocation())
                .failOnMissingLocations(true)
                .cleanDisabled(true)
                .validateOnMigrate(true)
                .load();
        try {
            rejectFutureSchema(flyway, description);
            MigrateResult result = flyway.migrate();
            if (result.migrationsExecuted > 0) {
                log.info("{}: applied {} schema migration(s), schema version now {}", description, result.migrationsExecuted,
                        result.targetSchemaVersion);
            }
        } catch (FlywayException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("non-empty schema") && m.contains("no schema history table")) {
                throw new StoreException(description + ": the database already holds tables but no Signet schema history:"
                        + " it is not a Signet datastore; give Signet a database of its own", e);
            }
            throw new StoreException(description + ": schema migration failed: " + m.replaceAll("\\s*\\R\\s*", " ").strip(), e);
        }
    }

    /**
     * Flyway by default ignores applied versions it has no script for ({@code *:future}) and would run
     * against them; a schema written by a newer release may not be safe for this one, so stop instead.
     */
    private static void rejectFutureSchema(Flyway flyway, String description) {
        MigrationInfo[] all = flyway.info().all();
        MigrationVersion known = Arrays.stream(all)
                .filter(m -> m.getState().isResolved() && m.getVersion() != null)
                .map(MigrationInfo::getVersion)
                .max(Comparator.naturalOrder())
                .orElse(MigrationVersion.EMPTY);
        MigrationInfo future = Arrays.stream(all)
                .filter(m -> m.getState() == MigrationState.FUTURE_SUCCESS || m.getState() == MigrationState.FUTURE_FAILED)
                .filter(m -> m.getVersion() != null)
                .max(Comparator.comparing(MigrationInfo::getVersion))
                .orElse(null);
        if (future != null) {
            throw new StoreException(description + ": the schema is at version " + future.getVersion()
                    + ", newer than this Signet supports (" + Objects.toString(known.getVersion(), "none")
                    + "); run a Signet release that knows it, or restore a backup taken before the upgrade");
        }
    }
}
