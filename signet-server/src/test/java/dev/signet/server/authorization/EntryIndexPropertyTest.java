package dev.signet.server.authorization;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.core.registration.Entry;
import dev.signet.core.registration.Parent;
import dev.signet.core.selector.Selector;
import dev.signet.core.spiffeid.SpiffeId;
import dev.signet.server.store.EntryStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The index answers exactly what a scan of every entry with {@link Parent#admits} answers, on randomized entries and
 * agents (fixed seed), for snapshots built at once and for snapshots reached by applying random changes one by one.
 */
class EntryIndexPropertyTest {
    private static final long SEED = 0x5167_6e65_7401L;
    /** Small pools, so that parents, node selectors and agent selectors overlap often. */
    private static final int AGENTS = 12;
    private static final int SELECTOR_VALUES = 6;

    private final Random random = new Random(SEED);

    private SpiffeId agentId(int i) {
        return SpiffeId.parse("spiffe://td/signet/agent/join_token/a" + i);
    }

    private Selector selector() {
        String[] types = {"k8s", "aws"};
        return new Selector(types[random.nextInt(types.length)], "v" + random.nextInt(SELECTOR_VALUES));
    }

    private TreeSet<Selector> selectors(int max) {
        TreeSet<Selector> s = new TreeSet<>();
        int n = random.nextInt(max + 1);
        for (int i = 0; i < n; i++) {
            s.add(selector());
        }
        return s;
    }

    private Entry entry(String id) {
        Parent parent = switch (random.nextInt(3)) {
            case 0 -> new Parent.AgentId(agentId(random.nextInt(AGENTS + 2))); // some parents never attest
            case 1 -> {
                TreeSet<Selector> s = selectors(3);
                if (s.isEmpty()) {
                    s.add(selector());
                }
                yield new Parent.NodeSelectors(s);
            }
            default -> new Parent.AnyNode();
        };
        return new Entry(id, SpiffeId.parse("spiffe://td/w/" + random.nextInt(50)), parent, selectors(2), null, List.of(), "",
                1 + random.nextInt(5), null);
    }

    private static List<Entry> scan(Map<String, Entry> all, SpiffeId agent, Set<Selector> selectors) {
        return all.values().stream().filter(e -> e.parent().admits(agent, selectors))
                .sorted(Comparator.comparing(Entry::id)).toList();
    }

    private void assertSameAsScan(EntryIndex index, Map<String, Entry> all) {
        assertThat(index.size()).isEqualTo(all.size());
        assertThat(index.all()).containsExactlyElementsOf(all.values());
        for (int a = 0; a < AGENTS; a++) {
            SpiffeId id = agentId(a);
            TreeSet<Selector> agentSelectors = selectors(5);
            List<Entry> expected = scan(all, id, agentSelectors);
            assertThat(index.authorizedFor(id, agentSelectors)).as("authorized for %s %s", id, agentSelectors)
                    .containsExactlyElementsOf(expected);
            for (int k = 0; k < 5; k++) {
                String probe = "e" + random.nextInt(all.size() + 10);
                Entry e = all.get(probe);
                boolean admitted = e != null && e.parent().admits(id, agentSelectors);
                assertThat(index.authorizedEntry(id, agentSelectors, probe).isPresent()).isEqualTo(admitted);
            }
        }
    }

    @Test
    void builtSnapshotsMatchTheScan() {
        for (int round = 0; round < 40; round++) {
            Map<String, Entry> all = new TreeMap<>();
            int n = random.nextInt(300);
            for (int i = 0; i < n; i++) {
                all.put("e" + i, entry("e" + i));
            }
            List<Entry> shuffled = new ArrayList<>(all.values());
            java.util.Collections.shuffle(shuffled, random);
            assertSameAsScan(EntryIndex.of(shuffled, round), all);
        }
    }

    @Test
    void snapshotsReachedByChangesMatchTheScan() {
        Map<String, Entry> all = new TreeMap<>();
        EntryIndex index = EntryIndex.of(List.of(), 0);
        List<Entry> replaced = new ArrayList<>();
        for (int step = 1; step <= 600; step++) {
            List<EntryStore.EntryChange> changes = new ArrayList<>();
            int k = 1 + random.nextInt(3);
            List<Entry> expectedReplaced = new ArrayList<>();
            Map<String, Entry> before = new TreeMap<>(all);
            for (int i = 0; i < k; i++) {
                String id = "e" + random.nextInt(120);
                if (random.nextInt(4) == 0) {
                    changes.add(new EntryStore.EntryChange(id, null));
                    Entry old = all.remove(id);
                    if (old != null) {
                        expectedReplaced.add(old);
                    }
                } else {
                    Entry e = entry(id);
                    changes.add(new EntryStore.EntryChange(id, e));
                    Entry old = all.put(id, e);
                    if (old != null) {
                        expectedReplaced.add(old);
                    }
                }
            }
            replaced.clear();
            EntryIndex next = index.with(changes, step, replaced);
            assertThat(replaced).containsExactlyElementsOf(expectedReplaced);
            assertThat(next.counter()).isEqualTo(step);
            if (step % 20 == 0) {
                assertSameAsScan(next, all);
                // the earlier snapshot is untouched
                assertSameAsScan(index, before);
            }
            index = next;
        }
        assertSameAsScan(index, all);
    }

    @Test
    void admitsAnyMatchesTheScan() {
        for (int round = 0; round < 200; round++) {
            List<Entry> changed = new ArrayList<>();
            int n = random.nextInt(6);
            for (int i = 0; i < n; i++) {
                Entry e = entry("e" + random.nextInt(4)); // repeated IDs: old and new versions
                changed.add(e);
            }
            var admits = EntryIndex.admitsAny(changed);
            for (int a = 0; a < AGENTS; a++) {
                SpiffeId id = agentId(a);
                TreeSet<Selector> s = selectors(5);
                boolean expected = changed.stream().anyMatch(e -> e.parent().admits(id, s));
                assertThat(admits.test(id, s)).as("%s %s against %s", id, s, changed).isEqualTo(expected);
            }
        }
    }
}
