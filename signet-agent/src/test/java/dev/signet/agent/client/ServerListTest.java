package dev.signet.agent.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The failover order: start index, next on failure, full rounds, reset on success, spreading. */
class ServerListTest {
    private static final ServerAddress A = new ServerAddress("a.example", 8081);
    private static final ServerAddress B = new ServerAddress("b.example", 8081);
    private static final ServerAddress C = new ServerAddress("c.example", 8081);

    @Test
    void failsOverInOrderWrappingAroundAndReportsAFullRound() {
        ServerList l = new ServerList(List.of(A, B, C), 1);
        assertThat(l.current()).isEqualTo(B);
        assertThat(l.failed()).as("B failed, C untried").isFalse();
        assertThat(l.current()).isEqualTo(C);
        assertThat(l.failed()).as("C failed, A untried").isFalse();
        assertThat(l.current()).isEqualTo(A);
        assertThat(l.failed()).as("A failed: every server failed in a row").isTrue();
        assertThat(l.current()).as("the next round starts where the first did").isEqualTo(B);
        assertThat(l.failed()).as("a new round").isFalse();
    }

    @Test
    void aSuccessStartsANewRound() {
        ServerList l = new ServerList(List.of(A, B), 0);
        assertThat(l.failed()).isFalse();
        assertThat(l.current()).isEqualTo(B);
        l.succeeded();
        assertThat(l.failed()).as("B failed after it had worked: A is still worth a try").isFalse();
        assertThat(l.current()).isEqualTo(A);
        assertThat(l.failed()).isTrue();
    }

    @Test
    void oneServerMakesEveryFailureAFullRound() {
        ServerList l = new ServerList(List.of(A), 5);
        assertThat(l.current()).isEqualTo(A);
        assertThat(l.failed()).isTrue();
        assertThat(l.failed()).isTrue();
        assertThat(l.current()).isEqualTo(A);
    }

    @Test
    void startIndexWrapsAndRandomStartsSpreadAgents() {
        assertThat(new ServerList(List.of(A, B, C), 4).current()).isEqualTo(B);
        assertThat(new ServerList(List.of(A, B, C), -1).current()).isEqualTo(C);
        Random random = new Random(42);
        Set<ServerAddress> firsts = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            firsts.add(new ServerList(List.of(A, B, C), random).current());
        }
        assertThat(firsts).as("100 agents start on every server").containsExactlyInAnyOrder(A, B, C);
    }

    @Test
    void rebalanceMovesToARandomServerAndResetsTheRound() {
        ServerList l = new ServerList(List.of(A, B, C), 0);
        l.failed();
        l.failed();
        Random random = new Random(7);
        List<ServerAddress> seen = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            l.rebalance(random);
            seen.add(l.current());
        }
        assertThat(new HashSet<>(seen)).containsExactlyInAnyOrder(A, B, C);
        assertThat(l.failed()).as("rebalance started a new round").isFalse();
    }
}
