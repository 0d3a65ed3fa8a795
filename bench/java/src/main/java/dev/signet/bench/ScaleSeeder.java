package dev.signet.bench;

import dev.signet.core.registration.Entry;
import dev.signet.core.registration.Parent;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.server.store.Datastore;
import dev.signet.server.store.EntryStore;
import dev.signet.server.store.sql.SqliteDatastore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.TreeSet;

/**
 * Seeds the scale fixture: adds registration entries to a <em>stopped</em> server's SQLite datastore with the
 * server's own store code, because creating 100,000 entries one by one through the admin API takes hours (each
 * write reloads every entry, see the results' profile notes). Run in a child JVM on the classpath of the
 * server under test, so the schema is the one that server knows.
 *
 * <p>Args: DATA_DIR FROM TO AGENTS TOKEN_FILE — entry i gets ID {@code /bench/scale/i}, parent the join-token agent
 * of token {@code i % AGENTS} (one token per line) and selector {@code unix:uid:(10000 + i / AGENTS)}.
 */
public final class ScaleSeeder {
    private ScaleSeeder() {}

    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        int from = Integer.parseInt(args[1]);
        int to = Integer.parseInt(args[2]);
        int agents = Integer.parseInt(args[3]);
        List<String> tokens = java.nio.file.Files.readAllLines(Path.of(args[4]));
        try (Datastore ds = SqliteDatastore.open(dataDir, Clock.systemUTC())) {
            EntryStore entries = ds.entries();
            for (int i = from; i < to; i++) {
                TreeSet<Selector> selectors = new TreeSet<>();
                selectors.add(new Selector("unix", "uid:" + (10000 + i / agents)));
                entries.create(new Entry(null, SpiffeId.parse("spiffe://" + SignetSide.TD + "/bench/scale/" + i),
                        new Parent.AgentId(SpiffeId.parse(SignetSide.agentId(tokens.get(i % agents)))), selectors,
                        null, List.of(), "", 0, null));
            }
        }
        System.out.println(to - from);
    }
}
