package dev.signet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.cli.testing.CliRunner;
import dev.signet.cli.testing.CliRunner.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code server run} facing a datastore it cannot use refuses to start with one line naming the datastore. */
class ServerDatastoreStartupTest {
    @TempDir
    Path dir;

    private Result serverRun(String datastoreBlock) throws IOException {
        Path config = Files.writeString(dir.resolve("server.hcl"), """
                server {
                  trust_domain = "example.org"
                  data_dir     = "%s"
                  socket_path  = "%s"
                  bind_address = "127.0.0.1"
                  bind_port    = 0
                }
                %s
                """.formatted(dir.resolve("data"), dir.resolve("server.sock"), datastoreBlock));
        return CliRunner.run(Map.of(), "server", "run", "--config", config.toString());
    }

    @Test
    void anUnreachablePostgresDatabaseStopsTheServerWithOneLineNamingItsAddress() throws IOException {
        Result r = serverRun("""
                datastore {
                  type              = "postgres"
                  connection_string = "postgresql://x:not-shown@127.0.0.1:1/none"
                }
                """);
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString())
                .startsWith("error: PostgreSQL datastore 127.0.0.1:1/none: cannot connect to 127.0.0.1:1: ")
                .contains("refused")
                .doesNotContain("not-shown")
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
        assertThat(r.err().strip().lines()).as(r.toString()).hasSize(1);
        assertThat(dir.resolve("server.sock")).doesNotExist();
    }

    @Test
    void aCorruptSqliteFileStopsTheServerWithOneLineNamingIt() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("datastore.sqlite3"), "not a database\n".repeat(300));
        Result r = serverRun("datastore { type = \"sqlite\" }");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString())
                .startsWith("error: SQLite datastore " + data.resolve("datastore.sqlite3").toAbsolutePath())
                .contains("not a SQLite database");
        assertThat(r.err().strip().lines()).as(r.toString()).hasSize(1);
    }

    @Test
    void aMalformedConnectionStringStopsTheServerNamingTheProblem() throws IOException {
        Result r = serverRun("""
                datastore {
                  type              = "postgres"
                  connection_string = "host=db.example.org sslmod=require"
                }
                """);
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString()).startsWith("error: PostgreSQL datastore: ").contains("\"sslmod\"");
    }
}
