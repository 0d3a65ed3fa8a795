package dev.signet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.cli.testing.CliRunner;
import dev.signet.cli.testing.CliRunner.Result;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Flag values the CLI rejects locally, before any connection: every case exits 2 with a message that
 * names the flag. The server socket points at a path that does not exist, so a case that slipped
 * through validation would fail with exit 1 ("cannot reach the server") instead.
 */
class ValidationTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
        invalid SPIFFE ID      | entry create --spiffe-id foo --any-node --selector unix:uid:1           | --spiffe-id: invalid SPIFFE ID "foo"
        uppercase scheme       | entry create --spiffe-id SPIFFE://a/b --any-node --selector unix:uid:1  | --spiffe-id: invalid SPIFFE ID
        invalid parent ID      | entry create --spiffe-id spiffe://a/b --parent-id x --selector unix:uid:1 | --parent-id: invalid SPIFFE ID "x"
        two parent flags       | entry create --spiffe-id spiffe://a/b --any-node --parent-id spiffe://a/n --selector unix:uid:1 | conflicting parents: --parent-id and --any-node were both given; give exactly one of --parent-id, --node-selector or --any-node
        three parent flags     | entry create --spiffe-id spiffe://a/b --any-node --parent-id spiffe://a/n --node-selector x:y --selector unix:uid:1 | conflicting parents: --parent-id, --node-selector and --any-node were all given
        no parent flag         | entry create --spiffe-id spiffe://a/b --selector unix:uid:1             | missing parent: give exactly one of --parent-id, --node-selector or --any-node
        no selector            | entry create --spiffe-id spiffe://a/b --any-node                        | --selector: at least one selector is required
        malformed selector     | entry create --spiffe-id spiffe://a/b --any-node --selector unixuid     | --selector: invalid selector "unixuid": expected TYPE:VALUE
        bad selector type      | entry create --spiffe-id spiffe://a/b --any-node --selector Unix:uid:1  | --selector: invalid selector type "Unix"
        malformed node selector| entry create --spiffe-id spiffe://a/b --node-selector x: --selector a:b | --node-selector: invalid selector "x:"
        bad x509 ttl           | entry create --spiffe-id spiffe://a/b --any-node --selector a:b --x509-ttl 10 | --x509-ttl: invalid duration "10"
        sub-second x509 ttl    | entry create --spiffe-id spiffe://a/b --any-node --selector a:b --x509-ttl 1500ms | --x509-ttl: must be whole seconds
        missing spiffe id      | entry create --any-node --selector a:b                                  | missing required option: '--spiffe-id=ID'
        update without changes | entry update --id e1                                                    | nothing to update
        update two parents     | entry update --id e1 --any-node --parent-id spiffe://a/n                | conflicting parents
        update bad spiffe id   | entry update --id e1 --spiffe-id spiffe://a/b/                          | --spiffe-id: invalid SPIFFE ID
        list bad filter        | entry list --spiffe-id nope                                             | --spiffe-id: invalid SPIFFE ID "nope"
        show without id        | entry show                                                              | missing required option: '--id=ENTRY_ID'
        token bad ttl          | token generate --ttl forever                                            | --ttl: invalid duration "forever"
        token zero ttl         | token generate --ttl 0                                                  | --ttl: must be at least 1s
        token bad label        | token generate --label env                                              | --label: expected KEY=VALUE, got "env"
        token duplicate label  | token generate --label a=1 --label a=2                                  | --label: label "a" given twice
        evict bad id           | agent evict --spiffe-id agent-1                                         | --spiffe-id: invalid SPIFFE ID "agent-1"
        ban without id         | agent ban                                                               | missing required option: '--spiffe-id=ID'
        bundle bad format      | bundle show --format der                                                | --format: unsupported format "der"
        bad output format      | entry list --output xml                                                 | --output
        fetch relative socket  | api fetch x509 --socket agent.sock                                      | --socket: unsupported address "agent.sock"
        fetch unix with host   | api fetch x509 --socket unix://host/agent.sock                          | --socket: "unix://host/agent.sock" has a host
        fetch tcp socket       | api fetch x509 --socket tcp://127.0.0.1:8000                            | --socket: "tcp://127.0.0.1:8000": tcp addresses are not supported
        fetch bad timeout      | api fetch x509 --timeout soon                                           | --timeout: invalid duration "soon"
        watch relative unix    | api watch --socket unix:agent.sock                                      | --socket: "unix:agent.sock" is not an absolute path
        server bad td          | server run --trust-domain Example.org                                   | --trust-domain: invalid trust domain "Example.org"
        server bad port        | server run --bind-port 70000                                            | --bind-port: port must be between 0 and 65535
        server port not number | server run --bind-port http                                             | '--bind-port'
        server bad log level   | server run --log-level loud                                             | --log-level: unknown log level "loud"
        server missing config  | server run --config /nonexistent/server.hcl                             | --config: no such file: /nonexistent/server.hcl
        agent zero port        | agent run --server-port 0                                               | --server-port: port must be between 1 and 65535
        agent missing bundle   | agent run --trust-bundle /nonexistent/b.pem                             | --trust-bundle: no such file
        agent empty token      | agent run --join-token=                                                 | --join-token: must not be empty
        dev bad td             | dev --trust-domain a:b                                                  | --trust-domain: invalid trust domain
        """)
    void rejectedLocallyWithExitTwo(String name, String commandLine, String expected) {
        String[] args = (commandLine.trim() + " --server-socket " + dir.resolve("absent.sock")).split("\\s+");
        if (commandLine.startsWith("api") || commandLine.startsWith("server run") || commandLine.startsWith("agent run")
                || commandLine.startsWith("dev")) {
            args = commandLine.trim().split("\\s+"); // these have no --server-socket
        }
        Result r = CliRunner.run(Map.of(), args);
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).as(r.toString()).startsWith("error: ").contains(expected).doesNotContain("Exception");
        assertThat(r.out()).isEmpty();
    }
}
