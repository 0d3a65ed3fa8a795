package dev.signet.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The fixture itself: a database per call, usable through every form it hands out, emptied and dropped. */
class PostgresTestDatabaseTest {
    @Test
    void aNewDatabaseIsEmptyUsableResettableAndDroppedOnClose() throws Exception {
        String name;
        try (PostgresTestDatabase db = PostgresTestDatabase.newDatabase(); PostgresTestDatabase other = PostgresTestDatabase.newDatabase()) {
            name = db.name();
            assertThat(other.name()).isNotEqualTo(name);
            assertThat(db.connectionString()).startsWith("postgresql://").contains("@" + db.host() + ":" + db.port() + "/" + name);
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password()); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT current_database(), count(*) FROM pg_tables WHERE schemaname = 'public'")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo(name);
                    assertThat(rs.getInt(2)).isZero();
                }
                s.execute("CREATE TABLE change_counter (id INTEGER PRIMARY KEY, counter BIGINT NOT NULL)");
                s.execute("INSERT INTO change_counter VALUES (1, 41)");
                s.execute("CREATE TABLE flyway_schema_history (version TEXT)");
                s.execute("INSERT INTO flyway_schema_history VALUES ('1')");
                s.execute("CREATE TABLE things (x TEXT)");
                s.execute("INSERT INTO things VALUES ('a')");
            }
            db.reset();
            try (Connection c = db.connect(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT (SELECT counter FROM change_counter), (SELECT count(*) FROM things),"
                            + " (SELECT count(*) FROM flyway_schema_history)")) {
                rs.next();
                assertThat(rs.getLong(1)).isZero();
                assertThat(rs.getLong(2)).isZero();
                assertThat(rs.getLong(3)).isEqualTo(1);
            }
            try (Connection c = other.connect(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")) {
                rs.next();
                assertThat(rs.getInt(1)).as("databases are separate").isZero();
            }
            db.close();
            try (Connection c = other.connect(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'")) {
                rs.next();
                assertThat(rs.getInt(1)).as("dropped").isZero();
            }
        }
    }
}
