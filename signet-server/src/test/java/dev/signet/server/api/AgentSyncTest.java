package dev.signet.server.api;

import static dev.signet.server.api.TestServer.entry;
import static dev.signet.server.api.TestServer.sel;
import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.proto.admin.v1.EntryRef;
import dev.signet.proto.agent.v1.SyncAuthorizedResponse;
import dev.signet.proto.common.v1.Entry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SyncAuthorized: each agent gets exactly the entries authorized for it (SPIRE §5.2, flattened: parented to
 * the agent, node selectors a subset of the agent's, or any node), pushed on change, with the bundle.
 */
class AgentSyncTest {
    @TempDir
    Path dir;
    private TestServer ts;
    private TestServer.AgentIdentity prodEu;
    private TestServer.AgentIdentity dev;

    @BeforeEach
    void start() throws Exception {
        ts = TestServer.start(dir, Clock.systemUTC());
        prodEu = ts.attestNew(Map.of("env", "prod", "region", "eu"));
        dev = ts.attestNew(Map.of("env", "dev"));
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    private static List<String> ids(SyncAuthorizedResponse m) {
        return m.getEntriesList().stream().map(Entry::getId).toList();
    }

    private void assertBundle(SyncAuthorizedResponse m) {
        assertThat(m.getBundle().getTrustDomain()).isEqualTo("td");
        assertThat(m.getBundle().getX509AuthoritiesList()).isEqualTo(ts.bundleDer());
    }

    @Test
    void eachAgentGetsExactlyItsAuthorizedEntries() throws Exception {
        ts.createEntry(entry("e1-parented-prod", "spiffe://td/w1").setParentId(prodEu.id().toString()).build());
        ts.createEntry(entry("e2-env-prod", "spiffe://td/w2").addNodeSelectors(sel("join_token", "label:env:prod")).build());
        ts.createEntry(entry("e3-prod-eu", "spiffe://td/w3")
                .addNodeSelectors(sel("join_token", "label:env:prod")).addNodeSelectors(sel("join_token", "label:region:eu")).build());
        ts.createEntry(entry("e4-prod-us", "spiffe://td/w4")
                .addNodeSelectors(sel("join_token", "label:env:prod")).addNodeSelectors(sel("join_token", "label:region:us")).build());
        ts.createEntry(entry("e5-any", "spiffe://td/w5").setAnyNode(true).build());
        ts.createEntry(entry("e6-parented-dev", "spiffe://td/w6").setParentId(dev.id().toString()).build());
        ts.createEntry(entry("e7-other-agent", "spiffe://td/w7").setParentId("spiffe://td/signet/agent/join_token/someone-else").build());
        ts.createEntry(entry("e0-label-value-prefix", "spiffe://td/w0").addNodeSelectors(sel("join_token", "label:env:pro")).build());

        try (SyncStream a = SyncStream.open(ts.asyncAs(prodEu)); SyncStream b = SyncStream.open(ts.asyncAs(dev))) {
            SyncAuthorizedResponse ma = a.next();
            assertThat(ids(ma)).containsExactly("e1-parented-prod", "e2-env-prod", "e3-prod-eu", "e5-any");
            assertBundle(ma);
            Entry e3 = ma.getEntries(2);
            assertThat(e3.getSpiffeId()).isEqualTo("spiffe://td/w3");
            assertThat(e3.getSelectorsList()).containsExactly(sel("unix", "uid:1000"));
            assertThat(e3.getRevision()).isEqualTo(1);

            SyncAuthorizedResponse mb = b.next();
            assertThat(ids(mb)).containsExactly("e5-any", "e6-parented-dev");
            assertBundle(mb);
        }
    }

    @Test
    void agentWithNoEntriesStillGetsTheBundle() throws Exception {
        try (SyncStream a = SyncStream.open(ts.asyncAs(prodEu))) {
            SyncAuthorizedResponse m = a.next();
            assertThat(m.getEntriesList()).isEmpty();
            assertBundle(m);
        }
    }

    @Test
    void changesArePushedOnTheOpenStream() throws Exception {
        try (SyncStream a = SyncStream.open(ts.asyncAs(prodEu))) {
            assertThat(ids(a.next())).isEmpty();

            Entry created = ts.createEntry(entry("n1", "spiffe://td/new").setAnyNode(true).build());
            SyncAuthorizedResponse m1 = a.next();
            assertThat(ids(m1)).containsExactly("n1");
            assertThat(m1.getEntries(0)).isEqualTo(created);
            assertBundle(m1);

            Entry updated = ts.admin().updateEntry(created.toBuilder().addDnsNames("new.td.test").build());
            assertThat(updated.getRevision()).isEqualTo(2);
            SyncAuthorizedResponse m2 = a.next();
            assertThat(m2.getEntriesList()).containsExactly(updated);
            assertBundle(m2);

            ts.admin().deleteEntry(EntryRef.newBuilder().setId("n1").build());
            SyncAuthorizedResponse m3 = a.next();
            assertThat(m3.getEntriesList()).isEmpty();
            assertBundle(m3);
        }
    }

    @Test
    void changesForOtherAgentsAreNotPushed() throws Exception {
        try (SyncStream a = SyncStream.open(ts.asyncAs(prodEu))) {
            assertThat(ids(a.next())).isEmpty();

            // Not for this agent: must not cause a message. Pushes are ordered (one hub thread), so the next
            // message this agent sees must already carry the entry created after it.
            ts.createEntry(entry("b-dev-only", "spiffe://td/dev-only").setParentId(dev.id().toString()).build());
            ts.createEntry(entry("b-us-only", "spiffe://td/us-only").addNodeSelectors(sel("join_token", "label:region:us")).build());
            ts.createEntry(entry("c-mine", "spiffe://td/mine").setParentId(prodEu.id().toString()).build());

            assertThat(ids(a.next())).containsExactly("c-mine");
            assertThat(a.pending()).isZero();
        }
    }

    @Test
    void newlyAttestedAgentDoesNotDisturbOthers() throws Exception {
        ts.createEntry(entry("any", "spiffe://td/any").setAnyNode(true).build());
        try (SyncStream a = SyncStream.open(ts.asyncAs(prodEu))) {
            assertThat(ids(a.next())).containsExactly("any");

            TestServer.AgentIdentity third = ts.attestNew(Map.of("env", "prod"));
            ts.createEntry(entry("z-third", "spiffe://td/third").setParentId(third.id().toString()).build());
            ts.createEntry(entry("z-mine", "spiffe://td/mine").setParentId(prodEu.id().toString()).build());

            assertThat(ids(a.next())).containsExactly("any", "z-mine");
        }
    }
}
