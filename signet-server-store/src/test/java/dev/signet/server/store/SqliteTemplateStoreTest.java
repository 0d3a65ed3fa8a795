package dev.signet.server.store;

import dev.signet.server.store.sql.SqliteDatastore;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.io.TempDir;

/** The template store contract on SQLite. */
class SqliteTemplateStoreTest extends TemplateStoreContract {
    @TempDir
    Path dir;

    @Override
    protected Datastore newDatastore(Clock clock) {
        return SqliteDatastore.open(dir, clock);
    }
}
