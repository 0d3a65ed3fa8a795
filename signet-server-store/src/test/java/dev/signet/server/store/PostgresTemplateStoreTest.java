package dev.signet.server.store;

import dev.signet.server.store.sql.PostgresDatastore;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** The template store contract on PostgreSQL: one database for the class, emptied before each test. */
class PostgresTemplateStoreTest extends TemplateStoreContract {
    private static PostgresTestDatabase db;

    @BeforeAll
    static void database() {
        db = PostgresTestDatabase.newDatabase();
    }

    @AfterAll
    static void drop() {
        db.close();
    }

    @BeforeEach
    void empty() {
        db.reset();
    }

    @Override
    protected Datastore newDatastore(Clock clock) {
        return PostgresDatastore.open(db.connectionString(), clock);
    }
}
