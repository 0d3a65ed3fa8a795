package dev.signet.server.api;

import static dev.signet.server.api.TestServer.assertStatus;
import static dev.signet.server.api.TestServer.failure;
import static dev.signet.server.api.TestServer.sel;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.signet.core.x509.Certificates;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Csrs;
import dev.signet.proto.agent.v1.NewTemplatedX509SVIDRequest;
import dev.signet.proto.agent.v1.NewTemplatedX509SVIDResponse;
import dev.signet.proto.agent.v1.SyncAuthorizedResponse;
import dev.signet.proto.template.v1.CreateTemplateRequest;
import dev.signet.proto.template.v1.DeleteTemplateRequest;
import dev.signet.proto.template.v1.ListTemplatesRequest;
import dev.signet.proto.template.v1.Template;
import dev.signet.testing.ManualClock;
import dev.signet.testing.Poll;
import io.grpc.Status;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Identity templates: the admin API, what agents receive, and NewTemplatedX509SVID's authorization. */
class TemplateApiTest {
    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private TestServer ts;
    private TestServer.AgentIdentity prod;
    private TestServer.AgentIdentity dev;

    @BeforeEach
    void start() throws Exception {
        ts = TestServer.start(dir, clock);
        prod = ts.attestNew(Map.of("env", "prod"));
        dev = ts.attestNew(Map.of("env", "dev"));
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    private Template create(Template.Builder t) {
        return ts.templates().create(CreateTemplateRequest.newBuilder().setTemplate(t).build());
    }

    private static Template.Builder prodUsers() {
        return Template.newBuilder().setSpiffeIdTemplate("spiffe://td/user/{unix:user}")
                .addNodeSelectors(sel("join_token", "label:env:prod")).setX509TtlSeconds(600).addDnsNames("u.td.test");
    }

    private NewTemplatedX509SVIDResponse sign(TestServer.AgentIdentity agent, String templateId, String id, KeyPair kp) {
        return ts.as(agent).newTemplatedX509SVID(NewTemplatedX509SVIDRequest.newBuilder().setTemplateId(templateId)
                .setSpiffeId(id).setCsr(ByteString.copyFrom(Csrs.create(kp))).build());
    }

    @Test
    void createListDelete() {
        Template t = create(prodUsers());
        assertThat(t.getId()).isNotEmpty();
        assertThat(t.getAnyNode()).isFalse();
        assertThat(ts.templates().list(ListTemplatesRequest.getDefaultInstance()).getTemplatesList()).containsExactly(t);
        ts.templates().delete(DeleteTemplateRequest.newBuilder().setId(t.getId()).build());
        assertThat(ts.templates().list(ListTemplatesRequest.getDefaultInstance()).getTemplatesList()).isEmpty();
        assertStatus(failure(() -> ts.templates().delete(DeleteTemplateRequest.newBuilder().setId(t.getId()).build())),
                Status.Code.NOT_FOUND, t.getId());
    }

    @Test
    void invalidTemplatesAreRefusedNamingTheField() {
        assertStatus(failure(() -> create(Template.newBuilder().setSpiffeIdTemplate("spiffe://other.org/u/{unix:user}").setAnyNode(true))),
                Status.Code.INVALID_ARGUMENT, "spiffe_id_template: trust domain \"other.org\"");
        assertStatus(failure(() -> create(Template.newBuilder().setSpiffeIdTemplate("spiffe://td/signet/{unix:user}").setAnyNode(true))),
                Status.Code.INVALID_ARGUMENT, "reserved");
        assertStatus(failure(() -> create(Template.newBuilder().setSpiffeIdTemplate("spiffe://td/u/{unix:user}"))),
                Status.Code.INVALID_ARGUMENT, "node_selectors");
        assertStatus(failure(() -> create(Template.newBuilder().setSpiffeIdTemplate("spiffe://td/u/{unix:user}").setAnyNode(true)
                .addDnsNames("bad name"))), Status.Code.INVALID_ARGUMENT, "dns_names");
    }

    @Test
    void signsOnlyForAuthorizedAgentsAndMatchingIds() throws Exception {
        Template t = create(prodUsers());
        KeyPair kp = Crypto.generate(Crypto.KeyType.EC_P256);

        NewTemplatedX509SVIDResponse ok = sign(prod, t.getId(), "spiffe://td/user/alice", kp);
        X509Certificate leaf = Certificates.parse(ok.getSvidChain(0).toByteArray());
        assertThat(Pki.sans(leaf, 6)).containsExactly("spiffe://td/user/alice");
        assertThat(Pki.sans(leaf, 2)).containsExactly("u.td.test");
        assertThat(leaf.getPublicKey()).isEqualTo(kp.getPublic());
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(clock.instant().plusSeconds(600));
        Pki.assertValidates(java.util.List.of(leaf), ts.bundle());

        // the dev agent's node selectors do not include env:prod
        assertStatus(failure(() -> sign(dev, t.getId(), "spiffe://td/user/alice", kp)), Status.Code.PERMISSION_DENIED, "not authorized");
        // IDs the template cannot derive
        for (String bad : new String[] {"spiffe://td/user/alice/x", "spiffe://td/admin/alice", "spiffe://td/user",
                "spiffe://other.org/user/alice", "spiffe://td/signet/server"}) {
            assertStatus(failure(() -> sign(prod, t.getId(), bad, kp)), Status.Code.PERMISSION_DENIED, "does not match");
        }
        assertStatus(failure(() -> sign(prod, "no-such-template", "spiffe://td/user/alice", kp)), Status.Code.PERMISSION_DENIED, "not authorized");
        assertStatus(failure(() -> sign(prod, t.getId(), "spiffe://td/user/a b", kp)), Status.Code.INVALID_ARGUMENT, "spiffe_id");
    }

    @Test
    void agentsReceiveOnlyAuthorizedTemplatesAndChanges() throws Exception {
        try (SyncStream p = SyncStream.open(ts.asyncAs(prod)); SyncStream d = SyncStream.open(ts.asyncAs(dev))) {
            assertThat(p.next().getTemplatesList()).isEmpty();
            assertThat(d.next().getTemplatesList()).isEmpty();
            Template t = create(prodUsers());
            Template any = create(Template.newBuilder().setSpiffeIdTemplate("spiffe://td/uid/{unix:uid}").setAnyNode(true));
            SyncAuthorizedResponse last = p.next();
            while (last.getTemplatesCount() < 2) {
                last = p.next();
            }
            assertThat(last.getTemplatesList()).containsExactlyInAnyOrder(t, any);
            SyncAuthorizedResponse dl = d.next();
            while (dl.getTemplatesCount() < 1) {
                dl = d.next();
            }
            assertThat(dl.getTemplatesList()).containsExactly(any);
            ts.templates().delete(DeleteTemplateRequest.newBuilder().setId(t.getId()).build());
            Poll.until(java.time.Duration.ofSeconds(10), "prod agent is told the template is gone", () -> p.pending() > 0);
            SyncAuthorizedResponse after = p.next();
            while (p.pending() > 0) {
                after = p.next();
            }
            assertThat(after.getTemplatesList()).containsExactly(any);
        }
    }
}
